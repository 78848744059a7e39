import type { ServerStatus } from '../../src/api/payloads.js';
import type { ServerEvent } from '../../src/api/server-events.js';
import type { ServerControl } from '../../src/host/server-control.js';

/**
 * A stand-in for the model-server supervisor in API tests: the transport and the host are what is
 * under test there, not the supervisor (which has its own tests against real processes). It keeps
 * a state, emits the same events the supervisor does, and points sessions at a given URL.
 */
export class StubServerControl implements ServerControl {
  private readonly listeners = new Set<(event: ServerEvent) => void>();
  private current: ServerStatus;
  readonly logLines: string[] = [];

  constructor(private readonly url: string) {
    this.current = {
      state: 'stopped',
      previous: 'stopped',
      detail: 'Not started.',
      url: null,
      port: null,
      pid: null,
      model: 'tiny',
      owned: false,
      restarts: 0,
      logTail: [],
    };
  }

  private emit(event: ServerEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  private transition(state: ServerStatus['state'], detail: string): ServerStatus {
    const port = Number(new URL(this.url).port);
    const running = state === 'ready' || state === 'starting';
    this.current = {
      ...this.current,
      previous: this.current.state,
      state,
      detail,
      url: running ? this.url : null,
      port: running ? port : null,
      pid: running ? process.pid : null,
      owned: running,
    };
    this.emit({ type: 'server.state', time: new Date().toISOString(), ...this.current });
    return this.current;
  }

  log(line: string): void {
    this.logLines.push(line);
    this.emit({ type: 'server.log', time: new Date().toISOString(), stream: 'server', line });
  }

  sample(serverBytes: number): void {
    this.emit({
      type: 'memory.sample',
      time: new Date().toISOString(),
      server: { pids: [process.pid], bytes: serverBytes, source: 'proc-rss' },
      system: { totalBytes: 16e9, availableBytes: 8e9, source: 'proc-meminfo' },
      app: { rssBytes: process.memoryUsage().rss },
    });
  }

  async start(options: { model?: string | undefined }): Promise<ServerStatus> {
    if (options.model !== undefined) this.current = { ...this.current, model: options.model };
    this.transition('starting', 'Loading the model…');
    this.log('loading model');
    return this.transition('ready', 'Ready.');
  }

  async stop(): Promise<ServerStatus> {
    return this.transition('stopped', 'Stopped.');
  }

  status(): ServerStatus {
    return this.current;
  }

  async logs(tail: number): Promise<{ lines: string[]; file: string | null }> {
    return { lines: this.logLines.slice(-tail), file: null };
  }

  async models() {
    return { models: [{ id: 'tiny', recommended: false, onDisk: true, sizeBytes: 1024, note: 'test model' }], current: this.current.model };
  }

  onEvent(listener: (event: ServerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  baseUrl(): string | null {
    return this.url;
  }

  disposed = false;
  async dispose(): Promise<void> {
    this.disposed = true;
  }
}
