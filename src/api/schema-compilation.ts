import { z } from 'zod';

/**
 * For code that runs under the app's CSP (script-src 'self', no 'unsafe-eval'): the renderer and
 * the preload. zod compiles object schemas with `new Function` when it may; merely probing for that
 * is a CSP violation the page reports. The compiled path is unavailable there anyway, so turn it off.
 */
export function parseWithoutEval(): void {
  z.config({ jitless: true });
}
