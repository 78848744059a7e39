import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { ServerIdentity } from './llm-types.js';

/**
 * What each server and model answered when offered OpenAI `tools` (#17), kept in the app's home
 * (`tool-support.json`) so a server is probed once, not once per session. The file is ours but read
 * as untrusted input (zod; anything else is an empty cache, rewritten on the next answer).
 *
 * Invalidation: an answer is kept for 14 days (a server or runtime upgrade may change it, and a
 * probe is one short request); a `native` answer that a later turn contradicts (the server refuses a
 * request with tools) is replaced at once by the session that saw it (src/sessions/run-attempts.ts).
 */
export type ToolProtocol = 'native' | 'text';

export const TOOL_SUPPORT_MAX_AGE_MS = 14 * 24 * 3600 * 1000;
const MAX_ENTRIES = 200;

const entrySchema = z.object({
  protocol: z.enum(['native', 'text']),
  reason: z.string().max(2000),
  /** Epoch milliseconds. */
  probedAt: z.number().nonnegative(),
});
export type ToolSupportEntry = z.infer<typeof entrySchema>;
const fileSchema = z.object({ version: z.literal(1), entries: z.record(z.string().max(2000), entrySchema) });

/** The app's own server by the model it serves; any other by URL (without a trailing `/v1`) and model. */
export function toolSupportKey(identity: ServerIdentity): string {
  const model = identity.model ?? '(default model)';
  if (identity.kind === 'mlx_lm.server') return `mlx_lm.server ${model}`;
  const url = (identity.url ?? '').replace(/\/+$/, '').replace(/\/v1$/, '');
  return `${url} ${model}`;
}

export function readToolSupport(file: string, key: string, now = Date.now()): ToolSupportEntry | null {
  const entry = readAll(file)[key];
  if (entry === undefined || now - entry.probedAt > TOOL_SUPPORT_MAX_AGE_MS || entry.probedAt > now + 60_000) return null;
  return entry;
}

/** Records an answer (write to a temporary file, then rename: a reader never sees half a file). */
export function writeToolSupport(file: string, key: string, entry: ToolSupportEntry): void {
  const entries = { ...readAll(file), [key]: entry };
  // The oldest answers go first when there are too many servers to remember.
  const kept = Object.entries(entries)
    .sort(([, a], [, b]) => b.probedAt - a.probedAt)
    .slice(0, MAX_ENTRIES);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.${Date.now()}.tmp`;
  fs.writeFileSync(temporary, `${JSON.stringify({ version: 1, entries: Object.fromEntries(kept) }, null, 2)}\n`, { mode: 0o600 });
  fs.renameSync(temporary, file);
}

function readAll(file: string): Record<string, ToolSupportEntry> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return {};
  }
  try {
    const parsed = fileSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data.entries : {};
  } catch {
    return {};
  }
}
