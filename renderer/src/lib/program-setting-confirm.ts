import { PROGRAM_SETTINGS, type ProgramSetting } from '../../../src/api/program-settings.js';
import { errorText } from './api-errors.js';
import { api } from '../state/api-instance.js';

type PatchValue = string | number | boolean | null | string[];
type Patch = Partial<Record<string, Record<string, PatchValue>>>;

/**
 * Before `config.write` sets a setting that runs a program (the editor, the server's Python, the
 * worktree setup command), the host asks the user in a dialog of its own (`config.confirm`) and
 * answers a one-time token for that value. Answers the tokens, or why the patch cannot be saved.
 */
export async function confirmProgramSettings(
  patch: Patch,
): Promise<{ ok: true; confirmations: Partial<Record<ProgramSetting, string>> } | { ok: false; error: string }> {
  const confirmations: Partial<Record<ProgramSetting, string>> = {};
  for (const key of PROGRAM_SETTINGS) {
    const [section, name] = key.split('.') as [string, string];
    const value = patch[section]?.[name];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string' && !Array.isArray(value)) continue; // the host's validation names it
    const answer = await api().request('config.confirm', { key, value });
    if (!answer.ok) return { ok: false, error: errorText(answer.error) };
    if (answer.data.token === null) return { ok: false, error: `Not saved: ${key} was not allowed.` };
    confirmations[key] = answer.data.token;
  }
  return { ok: true, confirmations };
}
