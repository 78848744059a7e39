import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { connectFactoryApi } from '../../src/api/connect.js';
import { App } from './components/App.js';
import { setApi } from './state/api-instance.js';
import { bootData, startEventRouting } from './state/event-router.js';
import { installProbe } from './state/probe.js';
import './styles/theme.css';
import './styles/app.css';

/**
 * Start-up: connect to the host (Electron's preload bridge, or the browser host's WebSocket),
 * route its events into the stores, load what the first view needs, render.
 */
const api = connectFactoryApi();
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
