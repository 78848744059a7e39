import crypto from 'node:crypto';
import { PROGRAM_SETTINGS, type ProgramSetting } from '../api/program-settings.js';
import { FactoryError } from '../errors/factory-error.js';

/**
 * Settings that make the host run a program as the user, outside any sandbox: the editor "Open
 * in…" starts, the Python the model server runs with, and the setup command of every new worktree.
 * An API call alone must not set them (#19: a leaked browser token plus `config.write` of
 * `workspace.editor` ran programs): `config.write` of one of them needs a one-time token that the
 * host issued for that exact key and value after the user confirmed it in a dialog the host itself
 * showed (Electron: a native message box from the main process, which a page cannot click).
 * Removing one (null) needs nothing: it can only narrow what runs.
 */
type PatchValue = string | number | boolean | null | string[];
type Patch = Partial<Record<string, Record<string, PatchValue> | undefined>>;

/** A confirmation is for the change the user just looked at, not for later. */
const TOKEN_LIFETIME_MS = 5 * 60_000;

interface Issued {
  readonly binding: string;
  readonly expiresAt: number;
}

export class ProgramSettingConfirmations {
  private readonly issued = new Map<string, Issued>();

  constructor(private readonly now: () => number = Date.now) {}

  /** A token for this key and value; call only after the user confirmed them. */
  issue(key: ProgramSetting, value: PatchValue): string {
    this.prune();
    const token = crypto.randomBytes(16).toString('hex');
    this.issued.set(token, { binding: bindingOf(key, value), expiresAt: this.now() + TOKEN_LIFETIME_MS });
    return token;
  }

  /**
   * Throws CONFIRMATION_REQUIRED (naming the keys) unless every program setting the patch sets has
   * a live token issued for exactly that value; the tokens used are spent, whatever the outcome.
   */
  consume(patch: Patch, tokens: Partial<Record<string, string>> = {}): void {
    this.prune();
    const missing: string[] = [];
    for (const key of PROGRAM_SETTINGS) {
      const [section, name] = key.split('.') as [string, string];
      const value = patch[section]?.[name];
      if (value === undefined || value === null) continue;
      const token = tokens[key];
      const issued = token === undefined ? undefined : this.issued.get(token);
      if (token !== undefined) this.issued.delete(token);
      if (issued === undefined || issued.binding !== bindingOf(key, value)) missing.push(key);
    }
    if (missing.length > 0)
      throw new FactoryError(
        'CONFIRMATION_REQUIRED',
        `${missing.join(', ')} ${missing.length === 1 ? 'runs a program' : 'run programs'} on this machine: confirm the new value in the app first.`,
      );
  }

  private prune(): void {
    const now = this.now();
    for (const [token, issued] of this.issued) if (issued.expiresAt <= now) this.issued.delete(token);
  }
}

function bindingOf(key: ProgramSetting, value: PatchValue): string {
  return JSON.stringify([key, value]);
}
