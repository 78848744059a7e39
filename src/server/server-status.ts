import type { ServerStateName } from '../api/server-events.js';
import { DEFAULT_RESTART_POLICY, nextCrashStreak, type RestartPolicy } from './server-restart-policy.js';

/**
 * The supervisor's state as data, and every change to it as a pure reducer, so the rules (which
 * transitions exist, what each action records) are tested without processes. How a crash counts
 * and when to give up are the restart policy's (server-restart-policy.ts).
 */
export interface ServerStatus {
  readonly state: ServerStateName;
  readonly detail: string;
  readonly port: number | null;
  readonly pid: number | null;
  /** Stopping the supervisor stops this process (false: a server someone else runs). */
  readonly owned: boolean;
  /** Processes launched by this supervisor (restarts = launches − 1). */
  readonly launches: number;
  /** Crashes since the last run that lived longer than the fast-crash window. */
  readonly crashStreak: number;
  readonly logTail: readonly string[];
}

export const INITIAL_STATUS: ServerStatus = {
  state: 'stopped',
  detail: 'Not started.',
  port: null,
  pid: null,
  owned: false,
  launches: 0,
  crashStreak: 0,
  logTail: [],
};

export type ServerAction =
  | { readonly type: 'starting'; readonly detail: string }
  | { readonly type: 'launching'; readonly port: number; readonly pid: number; readonly detail: string }
  | { readonly type: 'ready'; readonly detail: string }
  | { readonly type: 'adopted'; readonly port: number; readonly pid: number | null; readonly owned: boolean; readonly detail: string }
  | { readonly type: 'exited'; readonly uptimeMs: number; readonly detail: string; readonly logTail: readonly string[] }
  | { readonly type: 'restart-scheduled'; readonly delayMs: number; readonly detail: string }
  | { readonly type: 'failed'; readonly detail: string; readonly logTail: readonly string[] }
  | { readonly type: 'stopping'; readonly detail: string }
  | { readonly type: 'stopped'; readonly detail: string }
  | { readonly type: 'unloaded'; readonly detail: string };

const TRANSITIONS: Readonly<Record<ServerStateName, readonly ServerStateName[]>> = {
  stopped: ['starting', 'adopted', 'stopped', 'failed'],
  starting: ['starting', 'ready', 'adopted', 'crashed', 'failed', 'stopping'],
  ready: ['crashed', 'stopping'],
  adopted: ['crashed', 'stopping', 'stopped'],
  crashed: ['restarting', 'failed', 'stopping'],
  restarting: ['starting', 'adopted', 'failed', 'stopping'],
  failed: ['starting', 'adopted', 'stopping', 'stopped', 'failed'],
  unloaded: ['starting', 'adopted', 'stopping', 'stopped', 'failed'],
  stopping: ['stopped', 'unloaded'],
};

const TARGET: Readonly<Record<ServerAction['type'], ServerStateName>> = {
  starting: 'starting',
  launching: 'starting',
  ready: 'ready',
  adopted: 'adopted',
  exited: 'crashed',
  'restart-scheduled': 'restarting',
  failed: 'failed',
  stopping: 'stopping',
  stopped: 'stopped',
  unloaded: 'unloaded',
};

export function canTransition(from: ServerStateName, to: ServerStateName): boolean {
  return TRANSITIONS[from].includes(to);
}

/** The next status; throws on a transition that the state machine does not have (a supervisor bug). */
export function reduceServerStatus(
  status: ServerStatus,
  action: ServerAction,
  policy: RestartPolicy = DEFAULT_RESTART_POLICY,
): ServerStatus {
  const target = TARGET[action.type];
  if (!canTransition(status.state, target)) throw new Error(`server state: no transition ${status.state} → ${target} (${action.type})`);
  switch (action.type) {
    case 'starting':
      return { ...status, state: 'starting', detail: action.detail, pid: null, logTail: [] };
    case 'launching':
      return {
        ...status,
        state: 'starting',
        detail: action.detail,
        port: action.port,
        pid: action.pid,
        owned: true,
        launches: status.launches + 1,
        logTail: [],
      };
    case 'ready':
      return { ...status, state: 'ready', detail: action.detail, logTail: [] };
    case 'adopted':
      return { ...status, state: 'adopted', detail: action.detail, port: action.port, pid: action.pid, owned: action.owned, logTail: [] };
    case 'exited':
      return {
        ...status,
        state: 'crashed',
        detail: action.detail,
        pid: null,
        crashStreak: nextCrashStreak(status.crashStreak, action.uptimeMs, policy),
        logTail: [...action.logTail],
      };
    case 'restart-scheduled':
      return { ...status, state: 'restarting', detail: action.detail };
    case 'failed':
      return { ...status, state: 'failed', detail: action.detail, pid: null, logTail: [...action.logTail] };
    case 'stopping':
      return { ...status, state: 'stopping', detail: action.detail };
    case 'stopped':
      return { ...status, state: 'stopped', detail: action.detail, pid: null, port: null, owned: false, crashStreak: 0, logTail: [] };
    case 'unloaded':
      return { ...status, state: 'unloaded', detail: action.detail, pid: null, owned: false, crashStreak: 0, logTail: [] };
  }
}

export function restartsOf(status: ServerStatus): number {
  return Math.max(0, status.launches - 1);
}
