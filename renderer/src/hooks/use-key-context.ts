import { isMacPlatform, type KeyContext } from '../lib/shortcuts.js';
import { api } from '../state/api-instance.js';

/** Where keys are pressed: the browser's own machine (the host may be another) and the front door. */
export function keyContext(): KeyContext {
  const data = (navigator as Navigator & { userAgentData?: { platform?: string } }).userAgentData;
  const platform = data?.platform ?? navigator.platform;
  return { mac: isMacPlatform(platform), transport: api().transport };
}
