import fs from 'node:fs';
import path from 'node:path';
import type { EventOf } from '../api/events.js';
import type { ExecResult } from '../sandbox/index.js';
import { lstatIfPresent } from '../workspace/lstat-if-present.js';
import type { CheckRunner } from './run-attempts.js';
import type { SessionEnvironment } from './session-environment.js';
import type { SessionLog } from './session-log.js';

/**
 * Preflight (#22): the check run once on the base, in the sandbox, before the first Coder turn,
 * bounded by the check's own timeout. Logged as `preflight`. An environment failure (a package or
 * command that is not there, a missing interpreter, no network) stops the session before any
 * attempt is spent: the Coder would otherwise be asked to fix code that was never the problem.
 */
export type PreflightOutcome = EventOf<'preflight'>['outcome'];

interface EnvironmentCause {
  /** What is missing, in the words of the output ("the package 'left-pad'"). */
  readonly what: string;
  readonly kind: 'package' | 'command' | 'network';
}

const TAIL_CHARS = 8000;

/** Local modules (the task's own files, which the Coder is to write) are not the environment's. */
const isBarePackage = (name: string): boolean => !name.startsWith('.') && !name.startsWith('/');

interface ProjectNames {
  /** The task's files (a module the task is to write is not missing from the environment). */
  readonly taskFiles: readonly string[];
  /** The project's dependency manifests as text (requirements*.txt, pyproject.toml, …). */
  readonly manifestText: string;
}

/** Python: a distribution name matches its module loosely (case, `-` vs `_`). */
function declares(manifestText: string, moduleName: string): boolean {
  const norm = (t: string): string => t.toLowerCase().replace(/[-_.]+/g, '_');
  return moduleName !== '' && new RegExp(`(^|[^a-z0-9_])${norm(moduleName)}([^a-z0-9_]|$)`, 'm').test(norm(manifestText));
}

/**
 * The first line of the output that says the environment, not the code, is broken. Python's
 * "No module named X" counts only when the project's manifests declare X (a test of a module the
 * task is to write fails the same way), and none of the task's files is named X.
 */
export function environmentCause(output: string, exitCode: number | null, project: ProjectNames): EnvironmentCause | null {
  const own = new Set(project.taskFiles.map((f) => path.basename(f).replace(/\.[^.]+$/, '')));
  const node = /Cannot find (?:module|package) '([^']+)'/.exec(output);
  if (node?.[1] !== undefined && isBarePackage(node[1])) return { kind: 'package', what: `the package '${node[1]}'` };
  const python = /ModuleNotFoundError: No module named '([^']+)'/.exec(output);
  if (python?.[1] !== undefined && !own.has(python[1].split('.')[0] ?? '') && declares(project.manifestText, python[1].split('.')[0] ?? ''))
    return { kind: 'package', what: `the Python module '${python[1]}'` };
  const ruby = /cannot load such file -- ([^\s(]+)|Could not find gem '([^']+)'/.exec(output);
  if (ruby !== null && isBarePackage(ruby[1] ?? ruby[2] ?? '.')) return { kind: 'package', what: `the gem '${ruby[1] ?? ruby[2] ?? ''}'` };
  const goModule = /no required module provides package ([^\s;]+)|cannot find module providing package ([^\s:]+)/.exec(output);
  if (goModule !== null) return { kind: 'package', what: `the Go package ${goModule[1] ?? goModule[2] ?? ''}` };
  const command =
    /(?:^|\n)(?:\S*sh: (?:(?:line )?\d+: )?)?([^\s:]+): (?:command )?not found/.exec(output) ??
    /env: '?([^\s':]+)'?: No such file or directory/.exec(output);
  if (command?.[1] !== undefined && (exitCode === 127 || /env: /.test(command[0])))
    return { kind: 'command', what: `the command '${command[1]}'` };
  if (
    /getaddrinfo|ENOTFOUND|EAI_AGAIN|Temporary failure in name resolution|Could not resolve host|Network is unreachable|ENETUNREACH/.test(
      output,
    )
  )
    return { kind: 'network', what: 'the network' };
  return null;
}

/** One plain sentence: the cause, and the fix with the command that applies it. */
export function environmentMessage(cause: EnvironmentCause, env: SessionEnvironment | null, repo: string): string {
  if (cause.kind === 'network')
    return 'The check needs the network, which checks never have: make the check run offline (or install what it downloads with `mlx-factory run --deps install`, which runs in the sandbox with network).';
  if (cause.kind === 'command')
    return `The check cannot run on the base because ${cause.what} is not installed: install it on this machine (then \`mlx-factory doctor\` shows it) and start the session again.`;
  if (env?.mode === 'install' && env.command !== null)
    return `The check cannot find ${cause.what} even after \`${env.command}\` in the worktree: declare it in the project's manifest (${env.manifests.join(', ')}), or install it in ${repo} and start with \`mlx-factory run --deps mine\` (New session: Environment → From your checkout).`;
  if (env === null || env.ecosystem === null)
    return `The check cannot find ${cause.what}, and the repository has no package manifest to install from: add one (package.json, requirements.txt, …) or install ${cause.what.replace(/^the \w+ /, '')} on this machine, then start the session again.`;
  const folder = env.folder ?? 'the dependency folder';
  const install = env.command ?? 'the install command';
  if (env.mode === 'mine')
    return `The check cannot find ${cause.what} even with ${folder} from your checkout: run \`${install}\` in ${repo} so your checkout has it, or start with \`mlx-factory run --deps install\` (New session: Environment → Install).`;
  return `The check cannot find ${cause.what}: the session's worktree has no ${folder}. Run \`${install}\` in ${repo} so sessions can use your ${folder} read-only, or start with \`mlx-factory run --deps install\` (New session: Environment → Install).`;
}

export function classifyPreflight(
  result: ExecResult,
  project: ProjectNames,
): { outcome: PreflightOutcome; cause: EnvironmentCause | null } {
  if (result.exitCode === 0 && !result.timedOut) return { outcome: 'passes', cause: null };
  if (result.timedOut) return { outcome: 'fails', cause: null };
  const cause = environmentCause(result.output, result.exitCode, project);
  return cause === null ? { outcome: 'fails', cause: null } : { outcome: 'environment', cause };
}

export interface PreflightRequest {
  readonly command: string;
  readonly worktree: string;
  readonly repo: string;
  readonly timeoutMs: number;
  readonly sandbox: 'auto' | 'required';
  readonly taskFiles: readonly string[];
  readonly environment: SessionEnvironment | null;
  readonly testsFirst: boolean;
}

/** Runs the check on the base; the logged event, whose outcome `environment` means: stop. */
export async function runPreflight(
  request: PreflightRequest,
  runCheck: CheckRunner,
  log: SessionLog,
  signal: AbortSignal,
): Promise<{ outcome: PreflightOutcome; message: string } | 'cancelled'> {
  const result = await runCheck({
    command: request.command,
    cwd: request.worktree,
    timeoutMs: request.timeoutMs,
    signal,
    sandbox: request.sandbox,
    env: { PYTHONDONTWRITEBYTECODE: '1', PYTHONUNBUFFERED: '1' },
    readOnlyPaths: [path.join(request.worktree, '.git')],
  });
  if (result.cancelled) return 'cancelled';
  const manifestText = readManifests(request.worktree, request.environment?.manifests ?? []);
  const { outcome, cause } = classifyPreflight(result, { taskFiles: request.taskFiles, manifestText });
  const message =
    cause !== null
      ? environmentMessage(cause, request.environment, request.repo)
      : outcome === 'passes'
        ? request.testsFirst
          ? 'The check already passes before any change (expected with tests first: the new tests come next).'
          : 'The check already passes before any change — it may not test the task.'
        : result.timedOut
          ? `The check did not finish on the base within ${Math.round(request.timeoutMs / 1000)} s; going on.`
          : `The check fails on the base (exit ${result.exitCode ?? 'none'}), as expected before the change.`;
  log.append({
    type: 'preflight',
    command: request.command,
    outcome,
    exitCode: result.exitCode,
    timedOut: result.timedOut,
    durationMs: result.durationMs,
    message,
    output: result.output.slice(-TAIL_CHARS),
  });
  return { outcome, message };
}

const MAX_MANIFEST_BYTES = 1024 * 1024;

/** The manifests as the base has them in the worktree: plain files only (lstat-first, no link followed), capped. */
function readManifests(worktree: string, manifests: readonly string[]): string {
  return manifests
    .map((file) => {
      const full = path.join(worktree, file);
      const stat = lstatIfPresent(full);
      return stat?.isFile() === true && stat.size <= MAX_MANIFEST_BYTES ? fs.readFileSync(full, 'utf8') : '';
    })
    .join('\n');
}

export function logSkippedPreflight(command: string, log: SessionLog): void {
  log.append({
    type: 'preflight',
    command,
    outcome: 'skipped',
    exitCode: null,
    timedOut: false,
    durationMs: 0,
    message: 'Preflight skipped (--no-preflight).',
    output: '',
  });
}
