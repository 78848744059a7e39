import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { protocolsFor } from '../../src/api/client/connect.js';
import { runCli } from '../support/run-cli.js';

/** `mlx-factory ui` as a user runs it: the real bin, a real port, Ctrl-C to stop. */
let tmp: string;
afterEach(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('mlx-factory ui', () => {
  it('prints a 127.0.0.1 URL with a token, serves the API there, and stops cleanly on Ctrl-C', async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mlxf ui '));
    let pid = 0;
    let announced: (url: string) => void = () => undefined;
    const urlPrinted = new Promise<string>((resolve) => (announced = resolve));
    let out = '';
    const run = runCli(['ui'], {
      cwd: tmp,
      home: path.join(tmp, 'home'),
      onSpawn: (p) => (pid = p),
      onStdout: (text) => {
        out += text;
        const match = /MLX Factory is at (http:\/\/127\.0\.0\.1:\d+\/#token=[\w-]+)/.exec(out);
        if (match?.[1] !== undefined) announced(match[1]);
      },
    });
    const url = new URL(await urlPrinted);
    const page = await fetch(url);
    // The renderer may or may not be built in this checkout; either way the answer is deliberate.
    if (page.status === 503) expect(await page.text()).toMatch(/npm run build/);
    else expect(page.status).toBe(200);
    const token = url.hash.replace('#token=', '');
    const socket = new WebSocket(`ws://${url.host}/api`, protocolsFor({ kind: 'token', value: token }), { origin: url.origin });
    const frames: Array<Record<string, unknown>> = [];
    socket.on('message', (data: Buffer) => frames.push(JSON.parse(data.toString('utf8')) as Record<string, unknown>));
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    socket.send(JSON.stringify({ type: 'request', id: 1, name: 'app.info', params: {} }));
    while (!frames.some((f) => f['type'] === 'response')) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(frames.find((f) => f['type'] === 'response')).toMatchObject({
      response: { ok: true, data: { transport: 'web', home: path.join(tmp, 'home') } },
    });
    socket.close();

    process.kill(pid, 'SIGINT');
    const result = await run;
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toMatch(/Stopping/);
  });

  it('says so, with exit code 2, when the port is taken', async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mlxf ui '));
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve()));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const result = await runCli(['ui', '--port', String(port)], { cwd: tmp, home: path.join(tmp, 'home') });
      expect(result.exitCode).toBe(2);
      expect(result.stderr).toMatch(new RegExp(`Port ${port} on 127\\.0\\.0\\.1 is already in use`));
      expect(result.stderr).toMatch(/--port/);
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });

  it('refuses bad flags with usage (exit 2)', async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mlxf ui '));
    const result = await runCli(['ui', '--port', 'eighty'], { cwd: tmp, home: path.join(tmp, 'home') });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/--port takes a whole number/);
  });
});
