/// <reference lib="webworker" />
import type { FactoryApi } from '../../../src/api/client/factory-api.js';
import type { ApiEvent } from '../../../src/api/global-events.js';
import type { RequestName } from '../../../src/api/requests.js';
import { protocolsFor } from '../../../src/api/client/connect.js';
import { createWsClient } from '../../../src/api/client/ws-client.js';
import type { FromWorker, ToWorker } from './worker-protocol.js';

/**
 * The browser host's WebSocket client, in a worker. Each WebSocket message costs the thread that
 * reads it a task (decode, JSON, validation, de-duplication); at 2,000 token deltas a second that
 * was most of the page's main thread. Here it costs the worker, and the page gets one message per
 * frame (16 ms) with every event since the last: the page applies events once per frame anyway.
 */
declare const self: DedicatedWorkerGlobalScope;

const BATCH_MS = 16;
let client: (FactoryApi & { close(): void }) | null = null;
let pending: ApiEvent[] = [];
let timer: ReturnType<typeof setTimeout> | undefined;

const post = (message: FromWorker): void => self.postMessage(message);

function flushEvents(): void {
  if (timer !== undefined) clearTimeout(timer);
  timer = undefined;
  if (pending.length === 0) return;
  const events = pending;
  pending = [];
  post({ kind: 'events', events });
}

function respond(id: number, response: Extract<FromWorker, { kind: 'response' }>['response']): void {
  // What arrived before the answer is delivered before it (a subscribe's replay, for one).
  flushEvents();
  post({ kind: 'response', id, response });
}

self.onmessage = (event: MessageEvent<ToWorker>) => {
  const message = event.data;
  if (message.kind === 'connect') {
    if (client !== null) return;
    let credential = message.credential;
    const api = createWsClient({
      url: message.url,
      protocols: () => protocolsFor(credential),
      onToken: (token) => {
        credential = { kind: 'token', value: token };
        post({ kind: 'token', token });
      },
    });
    client = api;
    api.onEvent((apiEvent) => {
      pending.push(apiEvent);
      timer ??= setTimeout(flushEvents, BATCH_MS);
    });
    api.onConnectionChange((state, error) => {
      flushEvents();
      post({ kind: 'state', state, error });
    });
    post({ kind: 'state', state: api.connectionState, error: api.connectionError });
    return;
  }
  const api = client;
  if (api === null) return;
  if (message.kind === 'request')
    void api.request(message.name as RequestName, message.params as never).then((response) => respond(message.id, response));
  else if (message.kind === 'subscribe')
    void api.subscribe(message.stream, message.afterSeq).then((response) => respond(message.id, response));
  else void api.unsubscribe(message.stream).then((response) => respond(message.id, response));
};
