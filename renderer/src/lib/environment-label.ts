import type { SessionInfo } from '../../../src/api/payloads.js';

/**
 * The list row's short words for a session's environment and preflight (#22); the full line and
 * message are the row's title and the session view's text.
 */
export function environmentShort(environment: NonNullable<SessionInfo['environment']>): string | null {
  switch (environment.mode) {
    case 'mine':
      return 'deps: yours, read-only';
    case 'install':
      return 'deps: installed';
    case 'none':
      // Said only when the user chose it; nothing to install (no manifest, Go, Cargo) is not worth a word in the list.
      return environment.line.startsWith('Environment: none') ? 'deps: none' : null;
  }
}

export function preflightShort(preflight: NonNullable<SessionInfo['preflight']>): { text: string; warn: boolean } {
  switch (preflight.outcome) {
    case 'passes':
      return { text: 'base: already passes', warn: true };
    case 'fails':
      return { text: 'base: fails', warn: false };
    case 'environment':
      return { text: 'base: cannot run', warn: true };
    case 'skipped':
      return { text: 'no preflight', warn: false };
  }
}
