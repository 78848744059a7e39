import { WebSocket, WebSocketServer } from 'ws';
import { createWsClient, type WebSocketLike } from '../../src/api/client/ws-client.js';

/**
 * A host of another version, written by hand over a real WebSocket: it greets like ours and answers
 * every request with whatever text the test set last — what the real host cannot be made to say
 * (answers off the contract, frames of no known type). The client under test is the real one.
 */
export interface HandWrittenHost {
  /** The real WebSocket client, connected to this host. */
  readonly client: ReturnType<typeof createWsClient>;
  /** What the client said it dropped (its `report`). */
  readonly reports: string[];
  /** The answer's JSON text for every request from now on. */
  answerWith(text: string): void;
  /** A frame as is, to every connected client. */
  sendRaw(text: string): void;
  close(): Promise<void>;
}

export async function startHandWrittenHost(): Promise<HandWrittenHost> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  let answer = '';
  server.on('connection', (socket) => {
    socket.send(JSON.stringify({ type: 'hello', epoch: 'e', version: 'other' }));
    socket.on('message', (data: Buffer) => {
      const request = JSON.parse(data.toString()) as { id: number };
      socket.send(`{"type":"response","id":${request.id},"response":${answer}}`);
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('The hand-written host has no port.');
  const reports: string[] = [];
  const client = createWsClient({
    url: `ws://127.0.0.1:${address.port}`,
    createSocket: (url) => new WebSocket(url) as unknown as WebSocketLike,
    report: (message) => reports.push(message),
  });
  return {
    client,
    reports,
    answerWith: (text) => (answer = text),
    sendRaw: (text) => {
      for (const socket of server.clients) socket.send(text);
    },
    close: async () => {
      client.close();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
