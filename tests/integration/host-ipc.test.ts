import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GLOBAL_STREAM } from '../../src/api/global-events.js';
import { IPC_EVENT, IPC_REQUEST } from '../../src/api/ipc-channels.js';
import { createIpcClient } from '../../src/api/client/ipc-client.js';
import { FactoryHost } from '../../src/host/factory-host.js';
import { registerIpcHandlers } from '../../src/host/register-ipc.js';
import { IpcMainHarness } from '../support/ipc-harness.js';

/**
 * The Electron front door's own rules (Electron's checklist: validate every IPC sender), through
 * the ipcMain-shaped harness: only our windows showing our renderer are answered, and a closed
 * window's subscriptions end with it.
 */
let tmp: string;
let host: FactoryHost;
let ipcMain: IpcMainHarness;
let unregister: () => void;

beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mlxf ipc '));
  host = new FactoryHost({ home: path.join(tmp, 'home'), version: 'test' });
  ipcMain = new IpcMainHarness();
  unregister = registerIpcHandlers(ipcMain, host, { isTrustedSender: ipcMain.isTrustedSender, native: { notifications: false } });
});

afterEach(async () => {
  unregister();
  await host.shutdown();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('IPC handlers', () => {
  it('register one request channel, and remove it again', () => {
    expect(ipcMain.channels).toEqual([IPC_REQUEST]);
    unregister();
    expect(ipcMain.channels).toEqual([]);
    unregister = registerIpcHandlers(ipcMain, host, { isTrustedSender: ipcMain.isTrustedSender, native: { notifications: false } });
  });

  it('refuse a window that is not ours, and a page that is not our renderer', async () => {
    const foreign = createIpcClient(ipcMain.createRenderer({ own: false }).ipcRenderer, () => null);
    const answer = await foreign.request('app.info', {});
    expect(answer).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    expect(answer.ok ? '' : answer.error.message).toMatch(/did not come from an MLX Factory window/);
    const navigated = createIpcClient(ipcMain.createRenderer({ url: 'https://evil.example/' }).ipcRenderer, () => null);
    expect(await navigated.request('sessions.list', {})).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    // Nothing ran for them: no session folder, no subscription.
    // (The host watches the sessions folder, so the folder itself may exist; no session is in it.)
    expect(fs.existsSync(host.paths.sessions) ? fs.readdirSync(host.paths.sessions) : []).toEqual([]);
    const ours = createIpcClient(ipcMain.createRenderer().ipcRenderer, () => null);
    expect(await ours.request('app.info', {})).toMatchObject({ ok: true, data: { transport: 'ipc' } });
  });

  it('stop sending to a window once it is destroyed', async () => {
    const renderer = ipcMain.createRenderer();
    const client = createIpcClient(renderer.ipcRenderer, () => null);
    expect(await client.subscribe(GLOBAL_STREAM)).toMatchObject({ ok: true });
    host.requestNewSession(tmp).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const sent = renderer.received.filter((m) => m.channel === IPC_EVENT).length;
    expect(sent).toBe(1);
    renderer.destroy();
    await host.requestNewSession(tmp);
    expect(renderer.received.filter((m) => m.channel === IPC_EVENT)).toHaveLength(sent);
    // A request from a destroyed frame fails on the renderer side as Electron's does; the client says so.
    expect(await client.request('app.info', {})).toMatchObject({ ok: false, error: { code: 'DISCONNECTED' } });
  });

  it('keep a separate set of followed streams per window', async () => {
    const a = ipcMain.createRenderer();
    const b = ipcMain.createRenderer();
    const clientA = createIpcClient(a.ipcRenderer, () => null);
    createIpcClient(b.ipcRenderer, () => null);
    await clientA.subscribe(GLOBAL_STREAM);
    await host.requestNewSession(tmp);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(a.received.filter((m) => m.channel === IPC_EVENT)).toHaveLength(1);
    expect(b.received).toHaveLength(0);
  });

  it('answer sessions.start with SERVER_UNREACHABLE, creating no session, when no model server runs', async () => {
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', () => resolve()));
    const port = (closed.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    fs.mkdirSync(host.paths.home, { recursive: true });
    fs.writeFileSync(host.paths.userConfig, `server:\n  port: ${port}\n`);
    const client = createIpcClient(ipcMain.createRenderer().ipcRenderer, () => null);
    const answer = await client.request('sessions.start', { description: 'Print hello' });
    expect(answer).toMatchObject({ ok: false, error: { code: 'SERVER_UNREACHABLE' } });
    expect(answer.ok ? '' : answer.error.message).toContain(`127.0.0.1:${port}`);
    // (The host watches the sessions folder, so the folder itself may exist; no session is in it.)
    expect(fs.existsSync(host.paths.sessions) ? fs.readdirSync(host.paths.sessions) : []).toEqual([]);
  });
});
