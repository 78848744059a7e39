#!/usr/bin/env node
// Installs what the tests need that npm does not, into <repo>/.cache (git-ignored):
//   - Debian packages chromium and bubblewrap (Linux, as root; skipped on macOS)
//   - a Python venv at .cache/venv with mlx + mlx-lm (pinned below)
//   - a tiny random model at .cache/tiny-model, made by tests/support/tiny-model/make_tiny_model.py
// and writes .cache/test-deps.json for the tests (read it with tests/support/test-deps.ts).
//
// Usage: node scripts/setup-test-deps.mjs [--only python|chromium|bwrap|model] [--force]
// (--only may be repeated or comma-separated; "model" also ensures "python", which it needs.)
// Environment: MLX_FACTORY_TEST_PYTHON picks the interpreter for the venv (default: python3).
//
// Idempotent: every step records its inputs in a stamp file and is skipped when they match,
// so a run with everything in place takes well under a second and spawns no process.

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// ---------------------------------------------------------------------------------------------
// Pinned versions: the set verified to work together (Linux x86_64 CPU, Python 3.11, 2026-11).
// mlx-lm 0.32.2 and numpy 2.4 need Python >= 3.11. On Linux, mlx needs its [cpu] extra (which
// pins mlx-cpu, the CPU backend wheel); on macOS the plain mlx wheel brings Metal.
const PY_PINS = {
  mlx: '0.32.4',
  'mlx-lm': '0.32.2',
  transformers: '5.23.0',
  tokenizers: '0.23.3',
  safetensors: '0.8.0',
  numpy: '2.4.6',
};
const MIN_PYTHON = [3, 11];
const DEBIAN_PACKAGES = { chromium: 'chromium', bwrap: 'bubblewrap' }; // tool -> package
const STAMP_FORMAT = 1;
// ---------------------------------------------------------------------------------------------

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CACHE = path.join(REPO, '.cache');
const VENV = path.join(CACHE, 'venv');
const MODEL_DIR = path.join(CACHE, 'tiny-model');
const HF_EMPTY_CACHE = path.join(CACHE, 'hf-hub-empty');
const STAMPS = path.join(CACHE, 'stamps');
const DEPS_JSON = path.join(CACHE, 'test-deps.json');
const GENERATOR = path.join(REPO, 'tests', 'support', 'tiny-model', 'make_tiny_model.py');
const IS_MAC = process.platform === 'darwin';
const IS_LINUX = process.platform === 'linux';
const VENV_PY = path.join(VENV, 'bin', 'python');
const STEPS = ['chromium', 'bwrap', 'python', 'model'];

class SetupError extends Error {
  constructor(what, { command, output, fix } = {}) {
    super(what);
    this.command = command;
    this.output = output;
    this.fix = fix;
  }
}

function log(msg) {
  process.stdout.write(`[setup-test-deps] ${msg}\n`);
}

function parseArgs(argv) {
  const only = new Set();
  let force = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--force') force = true;
    else if (a === '--only' || a.startsWith('--only=')) {
      const v = a === '--only' ? argv[++i] : a.slice('--only='.length);
      if (!v) throw new SetupError('--only needs a value', { fix: `use --only ${STEPS.join('|')}` });
      for (const s of v.split(',')) {
        if (!STEPS.includes(s)) {
          throw new SetupError(`unknown step "${s}" for --only`, { fix: `use one of: ${STEPS.join(', ')}` });
        }
        only.add(s);
      }
    } else if (a === '-h' || a === '--help') {
      process.stdout.write('usage: node scripts/setup-test-deps.mjs [--only python|chromium|bwrap|model] [--force]\n');
      process.exit(0);
    } else {
      throw new SetupError(`unknown argument "${a}"`, {
        fix: 'usage: node scripts/setup-test-deps.mjs [--only python|chromium|bwrap|model] [--force]',
      });
    }
  }
  const steps = only.size ? new Set(only) : new Set(STEPS);
  if (steps.has('model')) steps.add('python');
  return { steps, force };
}

function sha256(data) {
  return createHash('sha256').update(data).digest('hex');
}

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

function writeJsonAtomic(file, value) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(value, null, 2) + '\n');
  fs.renameSync(tmp, file);
}

function stampPath(name) {
  return path.join(STAMPS, `${name}.json`);
}

/** Returns the stamp's recorded outputs if its inputs equal `inputs`, else null. */
function checkStamp(name, inputs) {
  const s = readJson(stampPath(name));
  if (!s || s.format !== STAMP_FORMAT) return null;
  if (JSON.stringify(s.inputs) !== JSON.stringify(inputs)) return null;
  return s.outputs ?? {};
}

function writeStamp(name, inputs, outputs) {
  writeJsonAtomic(stampPath(name), { format: STAMP_FORMAT, inputs, outputs, at: new Date().toISOString() });
}

function which(cmd) {
  if (cmd.includes('/')) return fs.existsSync(cmd) ? path.resolve(cmd) : null;
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const p = path.join(dir, cmd);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      if (fs.statSync(p).isFile()) return p;
    } catch {
      // not here
    }
  }
  return null;
}

function fmtCmd(cmd, args) {
  return [cmd, ...args].map((a) => (/^[\w@%+=:,./[\]-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`)).join(' ');
}

/** Runs a command with inherited stdio (so progress shows); throws SetupError on failure. */
function run(cmd, args, { what, fix, env } = {}) {
  const shown = fmtCmd(cmd, args);
  log(`$ ${shown}`);
  const t0 = Date.now();
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: env ?? process.env });
  if (r.error || r.status !== 0) {
    const why = r.error ? r.error.message : r.signal ? `killed by ${r.signal}` : `exit code ${r.status}`;
    throw new SetupError(`${what ?? 'command'} failed (${why})`, { command: shown, fix });
  }
  return (Date.now() - t0) / 1000;
}

/** Runs a command and captures its output; throws SetupError on failure. */
function capture(cmd, args, { what, fix } = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: process.env });
  if (r.error || r.status !== 0) {
    const why = r.error ? r.error.message : r.signal ? `killed by ${r.signal}` : `exit code ${r.status}`;
    throw new SetupError(`${what ?? 'command'} failed (${why})`, {
      command: fmtCmd(cmd, args),
      output: `${r.stdout ?? ''}${r.stderr ?? ''}`.trim(),
      fix,
    });
  }
  return r.stdout;
}

// --- lock, so that two runs (e.g. a developer and npm test) don't install at the same time ----

const LOCK = path.join(CACHE, '.setup.lock');

function pidAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
}

function acquireLock() {
  const deadline = Date.now() + 30 * 60 * 1000;
  let told = false;
  for (;;) {
    try {
      fs.mkdirSync(CACHE, { recursive: true });
      fs.writeFileSync(LOCK, String(process.pid), { flag: 'wx' });
      return () => fs.rmSync(LOCK, { force: true });
    } catch (e) {
      if (e.code !== 'EEXIST') {
        throw new SetupError(`cannot write to ${CACHE} (${e.code ?? e.message})`, {
          fix: `make ${CACHE} writable by this user (it is created by the first run), or run as its owner`,
        });
      }
    }
    const holder = Number.parseInt(fs.readFileSync(LOCK, 'utf8'), 10);
    if (!Number.isFinite(holder) || !pidAlive(holder)) {
      fs.rmSync(LOCK, { force: true }); // stale
      continue;
    }
    if (Date.now() > deadline) {
      throw new SetupError(`another setup run (pid ${holder}) has held ${LOCK} for 30 minutes`, {
        fix: `wait for it, or if it is gone: rm ${LOCK}`,
      });
    }
    if (!told) {
      log(`waiting for another setup run (pid ${holder}) to finish...`);
      told = true;
    }
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
  }
}

// --- Debian packages ------------------------------------------------------------------------

let aptUpdated = false;

function ensureDebianTools(tools) {
  const found = {};
  if (IS_MAC) {
    log(`macOS: skipping Debian packages (${tools.map((t) => DEBIAN_PACKAGES[t]).join(', ')}); not used on macOS`);
    for (const t of tools) found[t] = null;
    return found;
  }
  if (!IS_LINUX) {
    log(`${process.platform}: skipping Debian packages; only Linux and macOS are supported`);
    for (const t of tools) found[t] = null;
    return found;
  }
  const missing = [];
  for (const t of tools) {
    const p = which(t);
    if (p) {
      found[t] = p;
      log(`${t}: ok (${p})`);
    } else missing.push(t);
  }
  if (!missing.length) return found;

  const pkgs = missing.map((t) => DEBIAN_PACKAGES[t]);
  const installCmd = `apt-get update && apt-get install -y --no-install-recommends ${pkgs.join(' ')}`;
  if (!which('apt-get')) {
    throw new SetupError(`missing ${missing.join(', ')} and apt-get is not available`, {
      fix: `install the package(s) ${pkgs.join(', ')} with your distribution's package manager`,
    });
  }
  if (process.getuid?.() !== 0) {
    throw new SetupError(`missing ${missing.join(', ')} (Debian package(s) ${pkgs.join(', ')}); installing needs root`, {
      command: installCmd,
      fix: `run as root: sudo sh -c '${installCmd}'  then re-run: node scripts/setup-test-deps.mjs`,
    });
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  log(`installing Debian package(s): ${pkgs.join(', ')}`);
  if (!aptUpdated) {
    run('apt-get', ['update'], { what: 'apt-get update', env, fix: 'check the Debian mirror / network, then re-run' });
    aptUpdated = true;
  }
  const secs = run('apt-get', ['install', '-y', '--no-install-recommends', ...pkgs], {
    what: `apt-get install ${pkgs.join(' ')}`,
    env,
    fix: `run it by hand to see the error: ${installCmd}`,
  });
  log(`apt-get install took ${secs.toFixed(1)} s`);
  for (const t of missing) {
    const p = which(t);
    if (!p) {
      throw new SetupError(`${DEBIAN_PACKAGES[t]} was installed but "${t}" is still not on PATH`, {
        fix: `check: dpkg -L ${DEBIAN_PACKAGES[t]} | grep bin/`,
      });
    }
    found[t] = p;
    log(`${t}: installed (${p})`);
  }
  return found;
}

// --- Python venv ------------------------------------------------------------------------------

function pipRequirements() {
  const reqs = [];
  for (const [name, version] of Object.entries(PY_PINS)) {
    const spec = name === 'mlx' && !IS_MAC ? 'mlx[cpu]' : name;
    reqs.push(`${spec}==${version}`);
  }
  return reqs;
}

function basePython() {
  const cmd = process.env.MLX_FACTORY_TEST_PYTHON || 'python3';
  const p = which(cmd);
  if (!p) {
    throw new SetupError(`Python interpreter "${cmd}" not found on PATH`, {
      fix: IS_MAC
        ? `install Python >= ${MIN_PYTHON.join('.')} (e.g. brew install python@3.12) or set MLX_FACTORY_TEST_PYTHON=/path/to/python3`
        : `install Python >= ${MIN_PYTHON.join('.')} or set MLX_FACTORY_TEST_PYTHON=/path/to/python3`,
    });
  }
  return { cmd, path: p, real: fs.realpathSync(p) };
}

function ensurePython(force) {
  if (IS_MAC && process.arch !== 'arm64') {
    throw new SetupError('mlx needs Apple silicon (arm64) on macOS', { fix: 'run the tests on an arm64 Mac' });
  }
  const base = basePython();
  const inputs = {
    pins: PY_PINS,
    requirements: pipRequirements(),
    platform: `${process.platform}-${process.arch}`,
    basePython: base.real,
  };
  const cached = checkStamp('venv', inputs);
  if (!force && cached && fs.existsSync(VENV_PY)) {
    log(`python venv: ok (${VENV}; mlx ${cached.mlxVersion}, mlx-lm ${cached.mlxLmVersion})`);
    return cached;
  }

  const verOut = capture(base.path, ['-c', "import sys; print('%d.%d.%d' % sys.version_info[:3])"], {
    what: `running ${base.path}`,
    fix: 'set MLX_FACTORY_TEST_PYTHON to a working Python interpreter',
  }).trim();
  const [maj, min] = verOut.split('.').map(Number);
  if (maj < MIN_PYTHON[0] || (maj === MIN_PYTHON[0] && min < MIN_PYTHON[1])) {
    throw new SetupError(`${base.path} is Python ${verOut}; mlx-lm ${PY_PINS['mlx-lm']} needs Python >= ${MIN_PYTHON.join('.')}`, {
      fix: `set MLX_FACTORY_TEST_PYTHON=/path/to/python3.11-or-newer and re-run`,
    });
  }
  log(`python: ${base.path} (${verOut})`);

  // Recreate the venv if it was made from another interpreter (or is broken).
  const prev = readJson(stampPath('venv'));
  if (fs.existsSync(VENV) && (!fs.existsSync(VENV_PY) || prev?.inputs?.basePython !== base.real)) {
    log(`removing old venv at ${VENV} (made by another interpreter, or broken)`);
    fs.rmSync(VENV, { recursive: true, force: true });
  }
  if (!fs.existsSync(VENV_PY)) {
    run(base.path, ['-m', 'venv', VENV], {
      what: 'creating the Python venv',
      fix: IS_LINUX
        ? 'on Debian/Ubuntu system Python install the venv module: apt-get install -y python3-venv'
        : 'use a Python with the venv module (set MLX_FACTORY_TEST_PYTHON)',
    });
  }

  const reqs = pipRequirements();
  log(`installing into the venv: ${reqs.join(' ')}`);
  const pipSecs = run(VENV_PY, ['-m', 'pip', 'install', '--progress-bar', 'on', ...reqs], {
    what: 'pip install',
    fix:
      'check that PyPI is reachable and that wheels exist for this platform ' +
      (IS_MAC ? '(macOS arm64)' : '(Linux needs glibc >= 2.35 for mlx-cpu)') +
      '; re-run with --force to retry from scratch',
  });
  log(`pip install took ${pipSecs.toFixed(1)} s`);

  // Check that everything imports and that mlx can actually compute on its default device.
  const probe = [
    'import importlib.metadata as md, json',
    'import mlx.core as mx, mlx_lm, numpy, safetensors, tokenizers, transformers',
    'x = mx.array([1.0, 2.0]) * 2; mx.eval(x); assert x.tolist() == [2.0, 4.0]',
    "print(json.dumps({'mlxVersion': md.version('mlx'), 'mlxLmVersion': md.version('mlx-lm'),",
    "  'transformersVersion': md.version('transformers'), 'device': str(mx.default_device())}))",
  ].join('\n');
  const out = capture(VENV_PY, ['-c', probe], {
    what: 'importing mlx / mlx_lm in the venv',
    fix: 'see the Python error above; re-run with --force to reinstall the venv',
  });
  const versions = JSON.parse(out.trim().split('\n').pop());
  log(
    `python venv: ready (mlx ${versions.mlxVersion} on ${versions.device}, mlx-lm ${versions.mlxLmVersion}, ` +
      `transformers ${versions.transformersVersion})`,
  );
  const outputs = { ...versions, pipSeconds: Math.round(pipSecs * 10) / 10 };
  writeStamp('venv', inputs, outputs);
  return outputs;
}

// --- tiny model ------------------------------------------------------------------------------

function mlxEnv() {
  fs.mkdirSync(HF_EMPTY_CACHE, { recursive: true });
  return {
    ...process.env,
    HF_HUB_OFFLINE: '1',
    TRANSFORMERS_OFFLINE: '1',
    HF_HUB_CACHE: HF_EMPTY_CACHE,
    TRANSFORMERS_VERBOSITY: 'error',
  };
}

function ensureModel(pyInfo, force) {
  if (!fs.existsSync(GENERATOR)) {
    throw new SetupError(`model generator not found: ${GENERATOR}`, { fix: 'restore it from git' });
  }
  const inputs = {
    generatorSha256: sha256(fs.readFileSync(GENERATOR)),
    mlxLmVersion: pyInfo.mlxLmVersion,
    transformersVersion: pyInfo.transformersVersion,
  };
  const cached = checkStamp('model', inputs);
  const complete = ['config.json', 'model.safetensors', 'tokenizer.json'].every((f) => fs.existsSync(path.join(MODEL_DIR, f)));
  if (!force && cached && complete) {
    log(`tiny model: ok (${MODEL_DIR})`);
    return;
  }
  log(`generating the tiny model (${path.relative(REPO, GENERATOR)} changed or model missing)`);
  const tmp = `${MODEL_DIR}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  const secs = run(VENV_PY, [GENERATOR, tmp], {
    what: 'generating the tiny model',
    env: mlxEnv(),
    fix: 'see the Python error above; fix tests/support/tiny-model/make_tiny_model.py and re-run',
  });
  fs.rmSync(MODEL_DIR, { recursive: true, force: true });
  fs.renameSync(tmp, MODEL_DIR);
  log(`tiny model: ready (${MODEL_DIR}, ${secs.toFixed(1)} s)`);
  writeStamp('model', inputs, { seconds: Math.round(secs * 10) / 10 });
}

// --- main --------------------------------------------------------------------------------------

function existing(p) {
  return p && fs.existsSync(p) ? p : null;
}

function main() {
  const t0 = Date.now();
  const { steps, force } = parseArgs(process.argv.slice(2));
  const release = acquireLock();
  try {
    fs.mkdirSync(HF_EMPTY_CACHE, { recursive: true });
    const prev = readJson(DEPS_JSON) ?? {};
    const debTools = STEPS.filter((s) => s in DEBIAN_PACKAGES && steps.has(s));
    const tools = debTools.length ? ensureDebianTools(debTools) : {};

    let pyInfo = null;
    if (steps.has('python')) pyInfo = ensurePython(force);
    if (steps.has('model')) ensureModel(pyInfo, force);

    // Describe what is there now; parts not run this time keep what a previous run found.
    const venvStamp = readJson(stampPath('venv'))?.outputs ?? {};
    const modelOk = readJson(stampPath('model')) && fs.existsSync(path.join(MODEL_DIR, 'config.json'));
    const deps = {
      python: existing(VENV_PY),
      model: modelOk ? MODEL_DIR : null,
      chromium: 'chromium' in tools ? tools.chromium : (existing(prev.chromium) ?? (IS_LINUX ? which('chromium') : null)),
      bwrap: 'bwrap' in tools ? tools.bwrap : (existing(prev.bwrap) ?? (IS_LINUX ? which('bwrap') : null)),
      mlxLmVersion: venvStamp.mlxLmVersion ?? null,
      mlxVersion: venvStamp.mlxVersion ?? null,
      hfHubCache: HF_EMPTY_CACHE,
      platform: `${process.platform}-${process.arch}`,
    };
    const changed = JSON.stringify(deps) !== JSON.stringify(prev);
    if (changed) writeJsonAtomic(DEPS_JSON, deps);
    const what = changed ? 'wrote' : 'unchanged:';
    log(`done in ${((Date.now() - t0) / 1000).toFixed(2)} s; ${what} ${path.relative(REPO, DEPS_JSON)}`);
  } finally {
    release();
  }
}

try {
  main();
} catch (e) {
  if (e instanceof SetupError) {
    process.stderr.write(`\n[setup-test-deps] ERROR: ${e.message}\n`);
    if (e.command) process.stderr.write(`  command: ${e.command}\n`);
    if (e.output) process.stderr.write(`  output:\n${e.output.replace(/^/gm, '    ')}\n`);
    if (e.fix) process.stderr.write(`  fix: ${e.fix}\n`);
    process.stderr.write(`  (host: ${os.platform()} ${os.release()}, node ${process.version})\n`);
  } else {
    process.stderr.write(`\n[setup-test-deps] ERROR (unexpected): ${e?.stack ?? e}\n`);
  }
  process.exit(1);
}
