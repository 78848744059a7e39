import path from 'node:path';
import { GLOBAL_STREAM } from '../api/global-events.js';
import {
  isRequestName,
  requestSchemas,
  type LoginItemState,
  type ParsedParams,
  type RequestName,
  type ResponseData,
} from '../api/requests.js';

export type { LoginItemState } from '../api/requests.js';
import type { ProgramSetting } from '../api/program-settings.js';
import { fail, ok, type ApiResult } from '../api/responses.js';
import { formatZodIssues } from '../config/format-zod-issues.js';
import { FactoryError, toFactoryError } from '../errors/factory-error.js';
import type { ClientConnection } from './client-connection.js';
import { readConfigView, writeConfigPatch } from './config-view.js';
import type { FactoryHost } from './factory-host.js';
import { initRepo } from './init-repo.js';
import { listFolders } from './list-folders.js';
import { repoStatus, trustProject } from './repo-status.js';
import { repoEnvironment, setRepoEnvironment } from './repo-environment.js';
import { discardMany, sessionsDiskUsage } from './bulk-sessions.js';
import { existingWorktree, fileInWorktree, openWorktree } from './open-in.js';
import { markViewed, revertChange } from '../sessions/revert-change.js';
import { addReviewComment } from '../sessions/review-comments.js';
import { updateFromBase } from '../sessions/update-from-base.js';
import { readSession, sessionDetail } from './session-views.js';
import { rememberRunCommand, trustFileBeside } from '../config/project-trust.js';

/**
 * The request handlers, written once for both front doors. `handleRequest` is the only way in: it
 * validates the name and params against the contract, runs the handler, and turns anything thrown
 * into a typed `{ok:false}` answer — a bad request never crashes the host.
 */

/** What only some front doors can do (Electron's main process provides these; a browser cannot). */
export interface NativeCapabilities {
  pickFolder?(title: string | undefined): Promise<string | null>;
  getLoginItem?(): LoginItemState;
  setLoginItem?(openAtLogin: boolean): LoginItemState;
  openDashboard?(session: string | undefined): void;
  /** Shows the user a dialog of the host's own for a program setting's new value: true = allowed. */
  confirmProgramSetting?(key: ProgramSetting, value: string | string[]): Promise<boolean>;
  /** Starts quitting (the answer goes out first; the shutdown then runs once, main/quit-once.ts). */
  quit?(): void;
  readonly notifications: boolean;
}

export interface RequestContext {
  readonly host: FactoryHost;
  readonly connection: ClientConnection;
  readonly transport: 'ipc' | 'web';
  readonly native: NativeCapabilities;
}

type Handlers = { [K in RequestName]: (params: ParsedParams<K>, context: RequestContext) => Promise<ResponseData<K>> | ResponseData<K> };

function unsupported(what: string): never {
  throw new FactoryError('UNSUPPORTED', `${what} needs the desktop app; in a browser, type the path instead.`);
}

function requireServer(context: RequestContext) {
  if (context.host.server === undefined)
    throw new FactoryError(
      'NOT_IMPLEMENTED',
      'This host runs without a model-server control (sessions use server.host:port from factory.yaml).',
    );
  return context.host.server;
}

const handlers: Handlers = {
  'app.info': (_params, { host, transport, native }) => ({
    name: 'MLX Factory',
    version: host.version,
    transport,
    platform: process.platform,
    epoch: host.epoch,
    home: host.paths.home,
    capabilities: {
      pickFolder: native.pickFolder !== undefined,
      loginItem: native.getLoginItem !== undefined && native.setLoginItem !== undefined,
      notifications: native.notifications,
      windows: native.openDashboard !== undefined,
    },
  }),
  'app.getLoginItem': (_params, { native }) => native.getLoginItem?.() ?? unsupported('Starting at login'),
  'app.setLoginItem': (params, { native }) => native.setLoginItem?.(params.openAtLogin) ?? unsupported('Starting at login'),
  'app.openDashboard': (params, { native }) => {
    if (native.openDashboard === undefined) unsupported('Opening a window');
    native.openDashboard(params.session);
    return {};
  },

  'app.quit': (_params, { native }) => {
    if (native.quit === undefined) unsupported('Quitting the app');
    native.quit();
    return {};
  },

  'sessions.start': (params, { host }) => host.sessions.start(params),
  'sessions.cancel': (params, { host }) => ({ cancelled: host.sessions.cancel(params.id) }),
  // Each of these writes the session's worktree (or its log beside a live writer): through host.worktrees
  // (src/host/worktree-access.ts): one at a time per session, this host's run of its app stopped first.
  'sessions.resume': (params, { host }) => host.worktrees.write(params.id, () => host.sessions.resume(params.id, host.ops.resume)),
  'sessions.reply': (params, { host }) =>
    host.worktrees.write(params.id, () => host.sessions.reply(params.id, params.message, host.ops.reply)),
  'sessions.updateFromBase': async (params, { host }) => {
    if (host.sessions.runsHere(params.id))
      throw new FactoryError('SESSION_RUNNING', 'Wait for the session to end (or cancel it) before updating it.');
    const result = await host.worktrees.write(params.id, () => updateFromBase(host.paths, params.id));
    const answer = { ...result, files: [...result.files] };
    host.global.emit({ type: 'session.updated', info: host.sessionInfo(params.id) });
    return answer;
  },
  'sessions.resolveWithCoder': (params, { host }) =>
    host.worktrees.write(params.id, () => host.sessions.resolveConflicts(params.id, host.ops.resolveConflicts)),
  // A read of the worktree (the quoted lines): refused while the app runs (run-guard.ts), not a reason to stop it.
  'sessions.comment': (params, { host }) => host.worktrees.exclusive(params.id, () => addReviewComment(host.paths, params.id, params)),
  'sessions.revert': async (params, { host }) => {
    if (host.sessions.runsHere(params.id))
      throw new FactoryError('BAD_USAGE', 'Wait for the session to end (or cancel it) before reverting.');
    const result = await host.worktrees.write(params.id, () =>
      revertChange(host.paths, params.id, { path: params.path, hunk: params.hunk }),
    );
    host.global.emit({ type: 'session.updated', info: host.sessionInfo(params.id) });
    return { ...result, files: [...result.files] };
  },
  'sessions.markViewed': async (params, { host }) => {
    if (host.sessions.runsHere(params.id))
      throw new FactoryError('SESSION_RUNNING', 'Wait for the session to end (or cancel it) before marking files viewed.');
    return { viewed: await host.worktrees.exclusive(params.id, () => markViewed(host.paths, params.id, params.path, params.viewed)) };
  },
  'sessions.requestChanges': (params, { host }) =>
    host.worktrees.write(params.id, () => host.sessions.requestChanges(params.id, host.ops.requestChanges)),
  'sessions.list': (params, { host }) => {
    // The whole answer is one object per version: the web host sends its JSON built once (session-views.ts).
    const answer = host.sessionList.answer();
    return params.since === answer.version ? { sessions: [], version: answer.version, unchanged: true } : answer;
  },
  'sessions.show': (params, { host }) =>
    sessionDetail(
      host.paths,
      params.id,
      (id) => host.sessions.runsHere(id),
      (id) => host.archive.has(id),
    ),
  'sessions.diff': (params, { host }) => host.ops.diff(host.paths, params.id, params.commit),
  'sessions.filePair': (params, { host }) => host.ops.filePair(host.paths, params.id, params.path, params.commit),
  'sessions.rollback': async (params, { host }) => {
    if (host.sessions.runsHere(params.id)) throw new FactoryError('BAD_USAGE', 'Cancel the session before rolling it back.');
    const result = await host.worktrees.write(params.id, () => host.ops.rollback(host.paths, params.id, params.step));
    host.global.emit({ type: 'session.updated', info: host.sessionInfo(params.id) });
    return result;
  },
  'sessions.mergePreview': async (params, { host }) => {
    const preview = await host.ops.mergePreview(host.paths, params.id);
    // Watching is a help, not part of the answer: a repository that cannot be watched still previews.
    await host.watchMergeRefs(params.id, preview).catch(() => undefined);
    return preview;
  },
  'sessions.merge': async (params, { host }) => {
    if (host.sessions.runsHere(params.id))
      throw new FactoryError('BAD_USAGE', 'Wait for the session to end (or cancel it) before merging.');
    // The session's app was for trying it before taking it: it stops before the merge touches the worktree (DESIGN "Run scripts").
    const result = await host.worktrees.write(
      params.id,
      () => host.ops.merge(host.paths, params.id, params.squash, params.message, params.stash),
      'merged',
    );
    host.global.emit({ type: 'session.updated', info: host.sessionInfo(params.id) });
    return result;
  },
  'sessions.conflicts': (params, { host }) => host.ops.conflicts(host.paths, params.id, params.direction),
  'sessions.pullRequest': async (params, { host }) => {
    if (host.sessions.runsHere(params.id))
      throw new FactoryError('BAD_USAGE', 'Wait for the session to end (or cancel it) before opening a pull request.');
    const result = await host.ops.pullRequest(host.paths, params.id, params.draft);
    host.global.emit({ type: 'session.updated', info: host.sessionInfo(params.id) });
    return result;
  },
  'sessions.discard': async (params, { host }) => {
    if (host.sessions.runsHere(params.id)) throw new FactoryError('BAD_USAGE', 'Cancel the session before discarding it.');
    // Nothing of the session's app may run in a worktree that is being removed.
    const result = await host.worktrees.write(params.id, () => host.ops.discard(host.paths, params.id), 'discarded');
    host.global.emit({ type: 'session.updated', info: host.sessionInfo(params.id) });
    return result;
  },

  // In turn with the operations above: never started halfway through one.
  'sessions.run.start': (params, { host }) => host.worktrees.exclusive(params.id, () => host.runs.start(params.id)),
  'sessions.run.stop': async (params, { host }) => {
    const end = await host.runs.stop(params.id, 'stop');
    const elsewhere = end === null ? host.sessionInfo(params.id).run : null;
    if (elsewhere?.state === 'running')
      throw new FactoryError(
        'RUN_UNAVAILABLE',
        `This session's app was started by another process (pid ${elsewhere.pid}, e.g. \`mlx-factory sessions run\` in a terminal): stop it there.`,
      );
    return end === null
      ? { stopped: false, treeGone: true, exitCode: null, signal: null }
      : { stopped: true, treeGone: end.treeGone, exitCode: end.exitCode, signal: end.signal };
  },
  'sessions.run.output': (params, { host }) => host.runs.outputOf(params.id),
  'repo.setRunCommand': (params, { host }) => {
    // A command that runs with the network: the user confirms this very value first (as config.write's program settings).
    if (params.command !== null) {
      const confirmations = params.confirmation === undefined ? {} : { 'workspace.run': params.confirmation };
      host.programSettings.consume({ workspace: { run: params.command } }, confirmations);
    }
    rememberRunCommand(trustFileBeside(host.paths.userConfig), path.resolve(params.repo), params.command);
    return { command: params.command };
  },
  'sessions.discardMany': async (params, { host }) => ({ results: await discardMany(host, params.ids) }),
  'sessions.archive': (params, { host }) => {
    for (const id of params.ids) readSession(host.paths, id); // SESSION_NOT_FOUND for an unknown id
    const changed = host.archive.set(params.ids, params.archived);
    for (const id of changed) host.global.emit({ type: 'session.updated', info: host.sessionInfo(id) });
    return { changed };
  },
  'sessions.diskUsage': (params, { host }) => sessionsDiskUsage(host, params.ids),
  'sessions.openIn': async (params, { host }) => {
    // The folder is the one we recorded for the session, never a path from the client; the
    // editor is the user's own setting (home factory.yaml), never a repository's.
    const worktree = existingWorktree(readSession(host.paths, params.id).worktree);
    const editor = readConfigView(host.paths).config.workspace.editor;
    // With a file (the conflict view): it must stay inside the recorded worktree (checked on real paths: no `..`, no link out).
    const where = params.file !== undefined && params.target === 'editor' ? fileInWorktree(worktree, params.file) : worktree;
    const opened = await openWorktree(params.target, where, { platform: process.platform, editor });
    return { command: [opened.command, ...opened.args].join(' '), program: path.basename(opened.command) };
  },

  'server.start': (params, context) => requireServer(context).start(params),
  'server.stop': (_params, context) => requireServer(context).stop(),
  'server.status': (_params, context) => requireServer(context).status(),
  'server.logs': (params, context) => requireServer(context).logs(params.tail),
  'models.list': async (_params, context) => ({
    ...(await requireServer(context).models()),
    pulls: context.host.models.active(),
    local: await context.host.models.catalog(),
  }),
  'models.pull': (params, context) => context.host.models.pull(params.model, params.revision),
  'models.cancelPull': (params, context) => ({ cancelled: context.host.models.cancel(params.model) }),
  'models.evalHistory': (params, context) => context.host.evalHistory(params),
  'models.remove': (params, context) => ({ freedBytes: context.host.models.remove(params.model).freedBytes }),
  'memory.history': (params, { host }) => ({ samples: host.memoryHistory(params.since) }),
  'doctor.run': async (_params, { host }) => ({ checks: await host.doctor.run() }),
  'runtime.status': (_params, { host }) => host.runtime.status(),
  'runtime.install': (_params, { host }) => host.runtime.start(),
  'runtime.cancelInstall': (_params, { host }) => ({ cancelled: host.runtime.cancel() }),

  'config.read': (params, { host }) => readConfigView(host.paths, params.repo),
  'config.write': async (params, { host }) => {
    // A setting that runs a program needs the user's confirmation of that very value (#19).
    host.programSettings.consume(params.patch, params.confirmations);
    const view = writeConfigPatch(host.paths, params.patch);
    // Settings apply at once: the server is switched or restarted to match.
    await host.server?.reconfigure?.();
    return view;
  },

  'config.confirm': async (params, { host, native }) => {
    if (native.confirmProgramSetting === undefined)
      throw new FactoryError('UNSUPPORTED', `${params.key} can be set in the desktop app (it asks you first) or in factory.yaml itself.`);
    const allowed = await native.confirmProgramSetting(params.key, params.value);
    return { token: allowed ? host.programSettings.issue(params.key, params.value) : null };
  },

  'dialog.pickFolder': async (params, { native }) => {
    if (native.pickFolder === undefined) unsupported('A folder picker');
    return { path: await native.pickFolder(params.title) };
  },
  'fs.listFolders': (params) => listFolders(params),
  'repo.status': (params, { host }) => repoStatus(params.path, host.paths.userConfig),
  'repo.init': async (params, { host }) => {
    await initRepo(params.path);
    return repoStatus(params.path, host.paths.userConfig);
  },
  'project.trust': (params, { host }) => trustProject(params.path, host.paths.userConfig),
  'repo.environment': (params, { host }) => repoEnvironment(params.path, host.paths.userConfig),
  'repo.setEnvironment': (params, { host }) => setRepoEnvironment(params.path, params.mode, host.paths.userConfig),

  'events.subscribe': (params, { connection }) =>
    connection.subscribe(params.stream, params.afterSeq, params.stream === GLOBAL_STREAM ? params.epoch : undefined),
  'events.unsubscribe': (params, { connection }) => {
    connection.unsubscribe(params.stream);
    return {};
  },
};

export async function handleRequest(context: RequestContext, name: unknown, params: unknown): Promise<ApiResult<unknown>> {
  if (!isRequestName(name)) return fail('BAD_REQUEST', `Unknown request ${JSON.stringify(name)}.`);
  const parsed = requestSchemas[name].params.safeParse(params ?? {}, { reportInput: true });
  if (!parsed.success) return fail('BAD_REQUEST', formatZodIssues(name, parsed.error.issues));
  try {
    const handler = handlers[name] as (params: unknown, context: RequestContext) => Promise<unknown> | unknown;
    return ok(await handler(parsed.data, context));
  } catch (error) {
    const typed = toFactoryError(error);
    return fail(typed.code, typed.message, typed.details);
  } finally {
    // A request that may have changed a session: the next listing reads the logs again.
    if (!READ_ONLY.has(name)) context.host.sessionList.invalidate();
  }
}

/** Requests that change no session. */
const READ_ONLY: ReadonlySet<RequestName> = new Set<RequestName>([
  'app.info',
  'app.getLoginItem',
  'config.read',
  'doctor.run',
  'events.subscribe',
  'events.unsubscribe',
  'fs.listFolders',
  'memory.history',
  'models.list',
  'repo.status',
  'repo.environment',
  'runtime.status',
  'server.logs',
  'server.status',
  'sessions.diff',
  'sessions.conflicts',
  'sessions.diskUsage',
  'sessions.filePair',
  'sessions.list',
  'sessions.mergePreview',
  'sessions.run.output',
  'sessions.show',
]);
