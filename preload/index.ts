import { contextBridge, ipcRenderer, webUtils } from 'electron';
import { createIpcClient } from '../src/api/client/ipc-client.js';
import { parseWithoutEval } from '../src/api/schema-compilation.js';

/**
 * Exposes exactly the typed API (FactoryApi) as `window.factory`, and nothing else: no ipcRenderer,
 * no Node. A sandboxed preload; built as one CommonJS file.
 */
// The page's CSP has no 'unsafe-eval': zod must not even probe for it.
parseWithoutEval();
const api = createIpcClient(
  {
    invoke: (channel, ...args) => ipcRenderer.invoke(channel, ...args),
    on: (channel, listener) => ipcRenderer.on(channel, listener),
  },
  // Dropped files: the page cannot see paths; Electron tells the preload (File.path is gone since Electron 32).
  (file) => webUtils.getPathForFile(file),
);

contextBridge.exposeInMainWorld('factory', api);
