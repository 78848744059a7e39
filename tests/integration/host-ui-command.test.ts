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

  it('--open hands the browser a user-only file: no token and no code on the opener’s command line', async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mlxf ui open '));
    // A fake browser opener first on PATH that records its arguments (what `ps` would show).
    const bin = path.join(tmp, 'bin');
    fs.mkdirSync(bin);
    const log = path.join(tmp, 'opener-argv.txt');
    const opener = `#!/bin/sh\nprintf '%s\\n' "$@" > "${log}.tmp" && mv "${log}.tmp" "${log}"\n`;
    for (const name of ['xdg-open', 'open']) fs.writeFileSync(path.join(bin, name), opener, { mode: 0o755 });
    let pid = 0;
    let announced: (url: string) => void = () => undefined;
    const urlPrinted = new Promise<string>((resolve) => (announced = resolve));
    let out = '';
    const run = runCli(['ui', '--open'], {
      cwd: tmp,
      home: path.join(tmp, 'home'),
      env: { PATH: `${bin}${path.delimiter}${process.env['PATH'] ?? ''}` },
      onSpawn: (p) => (pid = p),
      onStdout: (text) => {
        out += text;
        const match = /MLX Factory is at (http:\/\/127\.0\.0\.1:\d+\/#token=[\w-]+)/.exec(out);
        if (match?.[1] !== undefined) announced(match[1]);
      },
    });
    const url = new URL(await urlPrinted);
    const token = url.hash.replace('#token=', '');
    while (!fs.existsSync(log)) await new Promise((resolve) => setTimeout(resolve, 20));
    const argv = fs.readFileSync(log, 'utf8').trim().split('\n');
    expect(argv).toHaveLength(1);
    const file = argv[0] ?? '';
    expect(argv.join(' ')).not.toContain(token);
    expect(argv.join(' ')).not.toMatch(/code=|token=/);

    // The file: readable by this user only; it redirects to the address with a one-time code.
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    const code = /#code=([\w-]+)/.exec(fs.readFileSync(file, 'utf8'))?.[1] ?? '';
    expect(code).not.toBe('');
    expect(argv.join(' ')).not.toContain(code);
    expect(fs.readFileSync(file, 'utf8')).not.toContain(token);

    // The socket that redeems the code gets the token in its hello; the code works once.
    const hello = async (): Promise<Record<string, unknown>> => {
      const socket = new WebSocket(`ws://${url.host}/api`, protocolsFor({ kind: 'code', value: code }), { origin: url.origin });
      const frame = await new Promise<Record<string, unknown>>((resolve, reject) => {
        socket.once('message', (data: Buffer) => resolve(JSON.parse(data.toString('utf8')) as Record<string, unknown>));
        socket.once('error', reject);
      });
      socket.close();
      return frame;
    };
    expect(await hello()).toMatchObject({ type: 'hello', token });
    const second = await hello();
    expect(second).toMatchObject({ type: 'refused' });
    expect(second).not.toHaveProperty('token');

    process.kill(pid, 'SIGINT');
    expect((await run).exitCode).toBe(0);
    expect(fs.existsSync(file)).toBe(false);
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
