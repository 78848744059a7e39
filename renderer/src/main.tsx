import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import type { FactoryApi } from '../../src/api/client/factory-api.js';
import { connectFactoryApi, storeToken, takeCredential, webSocketUrlFor } from '../../src/api/client/connect.js';
import { parseWithoutEval } from '../../src/api/schema-compilation.js';
import ApiWorker from './api-worker/api-worker.ts?worker';
import { createWorkerApi } from './api-worker/worker-client.js';
import { App } from './components/App.js';
import { setApi } from './state/api-instance.js';
import { bootData, startEventRouting } from './state/event-router.js';
import { installProbe } from './state/probe.js';
import './styles/theme.css';
import './styles/app.css';
import './styles/layout.css';

/**
 * Start-up: connect to the host (Electron's preload bridge, or the browser host's WebSocket — read
 * in a worker, so a flood of token deltas does not cost the page's main thread), route its events
 * into the stores, load what the first view needs, render.
 */
function connect(): FactoryApi {
  if (window.factory !== undefined) return window.factory;
  // The credential leaves the address bar before anything else runs (see src/api/client/connect.ts).
  const credential = takeCredential(window);
  try {
    return createWorkerApi(new ApiWorker({ name: 'factory-api' }), webSocketUrlFor(window.location.href), credential, (token) =>
      storeToken(window, token),
    );
  } catch {
    // No workers (a locked-down browser): the same client on the main thread.
    return connectFactoryApi(window, credential);
  }
}

// Under the CSP (no 'unsafe-eval'): no `new Function` probe, so no violation report.
parseWithoutEval();
const api = connect();
setApi(api);
startEventRouting(api);
void bootData(api);
installProbe();

const root = document.getElementById('root');
if (root !== null) {
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}
