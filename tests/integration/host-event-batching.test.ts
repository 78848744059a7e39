import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket as NodeWebSocket } from 'ws';
import type { FactoryApi } from '../../src/api/client/factory-api.js';
import { GLOBAL_STREAM, type ApiEvent } from '../../src/api/global-events.js';
import { IPC_EVENT } from '../../src/api/ipc-channels.js';
import { createIpcClient } from '../../src/api/client/ipc-client.js';
import { protocolsFor } from '../../src/api/client/connect.js';
import { createWsClient, type WebSocketLike } from '../../src/api/client/ws-client.js';
import { MAX_CLIENT_FRAME_BYTES, WS_PATH } from '../../src/api/wire.js';
import { FactoryHost } from '../../src/host/factory-host.js';
import { registerIpcHandlers } from '../../src/host/register-ipc.js';
import { startWebHost } from '../../src/host/web-host.js';
import { IpcMainHarness } from '../support/ipc-harness.js';
import { waitFor } from '../support/wait-for.js';

/**
 * Events leave the host in batches (one message per ~16 ms per client, not one per event), over
 * both front doors, through the real host and the real clients: a burst arrives as far fewer
 * messages than events, in order, none lost or doubled, and each message stays under the size limit.
 */
interface Door {
  readonly api: FactoryApi;
  /** Every event message the client received, as the number of events in it. */
  readonly messages: number[];
  /** Bytes of the biggest event message (web only; 0 for IPC). */
  biggest: number;
  close(): Promise<void>;
}

async function openWeb(host: FactoryHost, tmp: string): Promise<Door> {
  const rendererDir = path.join(tmp, 'renderer');
  fs.mkdirSync(rendererDir, { recursive: true });
  fs.writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>MLX Factory</title>');
  const web = await startWebHost({ host, rendererDir });
  const door: Door = {
    messages: [],
    biggest: 0,
    api: createWsClient({
      url: `ws://127.0.0.1:${web.port}${WS_PATH}`,
      protocols: () => protocolsFor({ kind: 'token', value: web.token }),
      createSocket: (url, protocols) => {
        const socket = new NodeWebSocket(url, [...protocols], { origin: `http://127.0.0.1:${web.port}` });
        socket.on('message', (data: Buffer) => {
          const frame = JSON.parse(data.toString('utf8')) as { type: string; events?: unknown[] };
          if (frame.type === 'event') door.messages.push(1);
          if (frame.type === 'events') door.messages.push(frame.events?.length ?? 0);
          if (frame.type === 'event' || frame.type === 'events') door.biggest = Math.max(door.biggest, data.length);
        });
        return socket as unknown as WebSocketLike;
      },
    }),
    close: async () => {
      (door.api as FactoryApi & { close(): void }).close();
      await web.close();
    },
  };
  await waitFor('the socket to open', () => door.api.connectionState === 'open');
  return door;
}

async function openIpc(host: FactoryHost): Promise<Door> {
  const ipcMain = new IpcMainHarness();
  const unregister = registerIpcHandlers(ipcMain, host, { isTrustedSender: ipcMain.isTrustedSender, native: { notifications: false } });
  const renderer = ipcMain.createRenderer();
  const door: Door = {
    api: createIpcClient(renderer.ipcRenderer, () => null),
    biggest: 0,
    get messages() {
      return renderer.received
        .filter((m) => m.channel === IPC_EVENT)
        .map((m) => {
          const payload = m.args[0] as { type?: string; events?: unknown[] };
          return payload.type === 'events' ? (payload.events?.length ?? 0) : 1;
        });
    },
    close: async () => {
      renderer.destroy();
      unregister();
    },
  };
  return door;
}

const doors = [
  { name: 'web', open: openWeb },
  { name: 'ipc', open: (host: FactoryHost) => openIpc(host) },
] as const;

describe.each(doors)('event batching over $name', (door) => {
  let tmp: string;
  let host: FactoryHost;
  let client: Door;
  let events: ApiEvent[];

  beforeEach(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), `mlxf batching ${door.name} `));
    host = new FactoryHost({ home: path.join(tmp, 'home'), version: 'test' });
    client = await door.open(host, tmp);
    events = [];
    client.api.onEvent((event) => events.push(event));
  });

  afterEach(async () => {
    await client.close();
    await host.shutdown();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const log = (line: string): void => void host.global.emit({ type: 'server.log', stream: 'server', line });
  const lines = (): string[] => events.flatMap((event) => (event.type === 'server.log' ? [event.line] : []));

  it('a live burst of N events arrives as far fewer than N messages, in order, none lost or doubled', async () => {
    expect(await client.api.subscribe(GLOBAL_STREAM)).toMatchObject({ ok: true });
    const N = 2000;
    // Half in one synchronous burst (batches cut by count), half spread over many ticks (cut by time).
    for (let i = 0; i < N / 2; i++) log(`line ${i}`);
    for (let i = N / 2; i < N; i++) {
      log(`line ${i}`);
      if (i % 20 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    await waitFor(`${N} events`, () => events.length >= N);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(lines()).toEqual(Array.from({ length: N }, (_, i) => `line ${i}`));
    expect(events.map((event) => event.seq)).toEqual(Array.from({ length: N }, (_, i) => i + 1));
    expect(client.messages.reduce((sum, n) => sum + n, 0)).toBe(N);
    expect(client.messages.length).toBeLessThan(N / 10);
    expect(Math.max(...client.messages)).toBeLessThanOrEqual(256);
  });

  it('a replay is batched and arrives before the subscribe answer; big events keep each message under the limit', async () => {
    const big = 'x'.repeat(20_000);
    for (let i = 0; i < 600; i++) log(i % 100 === 0 ? `${big} ${i}` : `line ${i}`);
    const answer = await client.api.subscribe(GLOBAL_STREAM, 0);
    expect(answer).toMatchObject({ ok: true, data: { replayed: 600, gap: false } });
    // IPC: the answer travels on another channel; its events were sent just before it.
    if (door.name === 'ipc') await waitFor('the replay', () => events.length >= 600);
    expect(events.map((event) => event.seq)).toEqual(Array.from({ length: 600 }, (_, i) => i + 1));
    expect(lines()).toEqual(Array.from({ length: 600 }, (_, i) => (i % 100 === 0 ? `${big} ${i}` : `line ${i}`)));
    expect(client.messages.length).toBeLessThan(20);
    if (door.name === 'web') expect(client.biggest).toBeLessThan(MAX_CLIENT_FRAME_BYTES);
    // Re-following from the start repeats nothing: the client's cursors drop every replayed event.
    expect(await client.api.subscribe(GLOBAL_STREAM, 0)).toMatchObject({ ok: true, data: { replayed: 600 } });
    log('after');
    await waitFor('the live event', () => lines().at(-1) === 'after');
    expect(events).toHaveLength(601);
  });
});

describe('clients', () => {
  it('the WebSocket client takes old single-event frames and batches alike, dropping duplicates', () => {
    const fake: WebSocketLike = {
      readyState: 1,
      send: () => undefined,
      close: () => undefined,
      onopen: null,
      onmessage: null,
      onclose: null,
      onerror: null,
    };
    const api = createWsClient({ url: 'ws://test', createSocket: () => fake });
    const got: number[] = [];
    api.onEvent((event) => got.push(event.seq));
    const event = (seq: number): ApiEvent => ({
      type: 'server.log',
      stream: 'server',
      line: `l${seq}`,
      session: GLOBAL_STREAM,
      seq,
      time: new Date(0).toISOString(),
    });
    const receive = (frame: unknown): void => fake.onmessage?.({ data: JSON.stringify(frame) });
    receive({ type: 'hello', epoch: 'e', version: 'v' });
    receive({ type: 'event', event: event(1) });
    receive({ type: 'events', events: [event(1), event(2), event(3)] });
    receive({ type: 'event', event: event(3) });
    receive({ type: 'events', events: [event(4), { not: 'an event' }, event(5)] });
    receive({ type: 'events', events: 'not a list' });
    expect(got).toEqual([1, 2, 3, 4, 5]);
    api.close();
  });

  it('the IPC client takes bare events (older main processes) and batches alike, dropping duplicates', () => {
    let listener: ((event: unknown, ...args: unknown[]) => void) | undefined;
    const api = createIpcClient({ invoke: async () => undefined, on: (_channel, l) => (listener = l) }, () => null);
    const got: number[] = [];
    api.onEvent((event) => got.push(event.seq));
    const event = (seq: number): ApiEvent => ({
      type: 'server.log',
      stream: 'server',
      line: `l${seq}`,
      session: GLOBAL_STREAM,
      seq,
      time: new Date(0).toISOString(),
    });
    listener?.({}, event(1));
    listener?.({}, { type: 'events', events: [event(1), event(2), event(3)] });
    listener?.({}, { type: 'event', event: event(4) });
    listener?.({}, { type: 'events', events: [event(3), event(5)] });
    expect(got).toEqual([1, 2, 3, 4, 5]);
  });
});
