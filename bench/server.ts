/**
 * The supervisor's overhead on the real mlx_lm.server (tiny local model):
 *
 * 1. Readiness: spawn → port open (as seen by an independent observer process that tries to connect
 *    every millisecond) is mlx_lm.server's own time to open its port; the supervisor's detection of
 *    the open port should follow within 100 ms; then spawn → ready (a 1-token completion answered).
 * 2. The memory sampler's own CPU: CPU time per sample (measured over many back-to-back samples)
 *    and its share of one core at the real rate of one sample per second (target < 1 %), plus the
 *    same measured directly as the process's CPU over a window with the sampler running.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultConfig } from '../src/config/config-schema.js';
import { createMlxSupervisor } from '../src/server/create-mlx-supervisor.js';
import { processTreeLinux } from '../src/server/memory/linux-proc.js';
import { MemorySampler } from '../src/server/memory/memory-sampler.js';
import type { ServerSupervisor } from '../src/server/server-supervisor.js';
import { freePort } from '../tests/support/free-port.js';
import { mlxServerEnv, testDeps } from '../tests/support/test-deps.js';

const RUNS = 5;
const SAMPLER_WINDOW_MS = 10_000;
const BACK_TO_BACK_SAMPLES = 200;

/** A separate process that connects every millisecond and prints the epoch time (ms, fractional) of the first success. */
function startObserver(port: number): { opened: Promise<number>; stop: () => void } {
  const code = `
    const net = require('node:net');
    const now = () => performance.timeOrigin + performance.now();
    const attempt = () => {
      const s = net.connect({ host: '127.0.0.1', port: ${port} });
      s.once('connect', () => { process.stdout.write(String(now()) + '\\n'); s.destroy(); process.exit(0); });
      s.once('error', () => { s.destroy(); setTimeout(attempt, 1); });
    };
    attempt();`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  const opened = new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.once('exit', () => (out.trim() !== '' ? resolve(Number(out.trim())) : reject(new Error('observer saw nothing'))));
  });
  return { opened, stop: () => child.kill('SIGKILL') };
}

function supervisorFor(home: string, port: number): ServerSupervisor {
  const deps = testDeps();
  const base = defaultConfig();
  const config = { ...base, server: { ...base.server, model: deps.model, python: deps.python, port } };
  return createMlxSupervisor({ config, home, env: mlxServerEnv(), supervisor: { stopGraceMs: 3000 } }).supervisor;
}

const epoch = (t: number): number => performance.timeOrigin + t;
const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? (s[(s.length - 1) / 2] ?? NaN) : ((s[s.length / 2 - 1] ?? NaN) + (s[s.length / 2] ?? NaN)) / 2;
};
const fmt = (ms: number): string => `${ms.toFixed(1)} ms`;

async function readiness(home: string): Promise<void> {
  const rows: { portOpen: number; detected: number; httpdLine: number; ready: number }[] = [];
  for (let i = 0; i < RUNS; i++) {
    const port = await freePort();
    const observer = startObserver(port);
    const supervisor = supervisorFor(home, port);
    try {
      await supervisor.start();
      const openedAt = await observer.opened;
      const t = supervisor.timings;
      if (t === null || t.portOpenAt === null || t.readyAt === null) throw new Error('no timings');
      const spawned = epoch(t.spawnedAt);
      rows.push({
        portOpen: openedAt - spawned,
        detected: epoch(t.portOpenAt) - openedAt,
        httpdLine: t.httpdLineAt === null ? NaN : epoch(t.httpdLineAt) - openedAt,
        ready: epoch(t.readyAt) - spawned,
      });
    } finally {
      observer.stop();
      await supervisor.stop();
    }
  }
  console.log(`Readiness over ${RUNS} starts of mlx_lm.server (tiny model), from spawn:`);
  console.log('  (negative: noticed before the 1 ms observer process did; its own polling has a few ms of jitter)');
  console.log('  run   port open (mlx_lm itself)   detected after open   "Starting httpd" line after open   ready (1-token completion)');
  rows.forEach((r, i) =>
    console.log(
      `  ${String(i + 1).padEnd(5)} ${fmt(r.portOpen).padEnd(27)} ${fmt(r.detected).padEnd(21)} ${fmt(r.httpdLine).padEnd(34)} ${fmt(r.ready)}`,
    ),
  );
  const detect = median(rows.map((r) => r.detected));
  const worst = Math.max(...rows.map((r) => r.detected));
  console.log(
    `  median: port open ${fmt(median(rows.map((r) => r.portOpen)))}, detection ${fmt(detect)} after it (worst ${fmt(worst)}; target < 100 ms: ${worst < 100 ? 'met' : 'NOT met'}), ready ${fmt(median(rows.map((r) => r.ready)))}`,
  );
  console.log(`  ready − port open (model load + first token): ${fmt(median(rows.map((r) => r.ready - r.portOpen)))}`);
}

async function samplerCost(home: string): Promise<void> {
  const supervisor = supervisorFor(home, await freePort());
  await supervisor.start();
  try {
    const pid = supervisor.status.pid;
    const sampler = new MemorySampler({ serverPid: () => pid });
    await sampler.sampleOnce(); // warm up (first tree walk, JIT)

    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < BACK_TO_BACK_SAMPLES; i++) await sampler.sampleOnce();
    const cpu = process.cpuUsage(cpu0);
    const perSampleCpuMs = (cpu.user + cpu.system) / 1000 / BACK_TO_BACK_SAMPLES;
    const perSampleWallMs = (performance.now() - t0) / BACK_TO_BACK_SAMPLES;
    // The process-tree walk runs only every 5 s (cached between), so back-to-back samples hide it: time it alone.
    const treeCpu0 = process.cpuUsage();
    const walks = 50;
    for (let i = 0; i < walks; i++) await (os.platform() === 'linux' ? processTreeLinux(pid ?? process.pid) : Promise.resolve([]));
    const treeCpu = process.cpuUsage(treeCpu0);
    const perWalkCpuMs = (treeCpu.user + treeCpu.system) / 1000 / walks;
    const perSecondCpuMs = perSampleCpuMs + perWalkCpuMs / 5;

    // The real thing: one sample a second, measured as this process's CPU over the window, minus
    // the same window idle (the supervisor's own timers and the log tailer run in both).
    const idleCpu = await cpuOver(SAMPLER_WINDOW_MS, () => undefined);
    const sampledCpu = await cpuOver(SAMPLER_WINDOW_MS, () => {
      const live = new MemorySampler({ serverPid: () => pid });
      live.start();
      return () => live.stop();
    });
    const share = (sampledCpu - idleCpu) / SAMPLER_WINDOW_MS;
    console.log(`Memory sampler (${os.platform()}; server tree via /proc, system via /proc/meminfo):`);
    console.log(
      `  per sample: ${perSampleCpuMs.toFixed(3)} ms CPU, ${perSampleWallMs.toFixed(3)} ms wall (${BACK_TO_BACK_SAMPLES} back to back)`,
    );
    console.log(
      `  process-tree walk (every 5 s, ${fs.readdirSync('/proc').filter((n) => /^\d+$/.test(n)).length} processes on this machine): ${perWalkCpuMs.toFixed(3)} ms CPU`,
    );
    console.log(`  at 1 sample/s: ${((perSecondCpuMs / 1000) * 100).toFixed(3)} % of one core (per-sample cost + a fifth of a tree walk)`);
    console.log(
      `  measured over ${SAMPLER_WINDOW_MS / 1000} s: ${sampledCpu.toFixed(1)} ms CPU with the sampler vs ${idleCpu.toFixed(1)} ms without → ${(share * 100).toFixed(3)} % of one core (target < 1 %: ${share < 0.01 ? 'met' : 'NOT met'})`,
    );
  } finally {
    await supervisor.stop();
  }
}

/** This process's CPU (ms) over `ms` of wall time while `begin()`'s activity runs. */
async function cpuOver(ms: number, begin: () => (() => void) | undefined): Promise<number> {
  const before = process.cpuUsage();
  const end = begin();
  await new Promise((resolve) => setTimeout(resolve, ms));
  end?.();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
}

export async function run(): Promise<void> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'mlxf-bench-server-'));
  try {
    const deps = testDeps();
    console.log(`mlx ${deps.mlxVersion}, mlx-lm ${deps.mlxLmVersion}; model ${deps.model}`);
    await readiness(home);
    await samplerCost(home);
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
}
