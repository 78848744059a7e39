import type { FactoryApi } from '../../../src/api/client/factory-api.js';

/**
 * The one FactoryApi of this window (the preload bridge in Electron, the WebSocket client in a
 * browser), set once at start-up. Stores call it; components never do.
 */
let current: FactoryApi | null = null;

export function setApi(api: FactoryApi): void {
  current = api;
}

export function api(): FactoryApi {
  if (current === null) throw new Error('The API is used before start-up connected it.');
  return current;
}
