import type { FactoryConfig } from './config-schema.js';

/**
 * What an untrusted project factory.yaml may set: only what *tightens* the user's own effective
 * settings (their home file, else the defaults). Numbers under `agent` and `sandbox` at or below the
 * user's; `sandbox.require: true`. Everything under `server` (a URL, an API key's variable, a python
 * to run) and `workspace` (a setup command; include, which could copy the user's .env where generated
 * code reads it) runs code or moves data, so it waits for trust. Pure: returns the layer to apply and
 * the keys it dropped, for a one-line notice.
 */
type PlainObject = Record<string, unknown>;

export interface FilteredLayer {
  readonly layer: PlainObject;
  readonly ignored: readonly string[];
}

const TIGHTENABLE_SECTIONS = ['agent', 'sandbox'] as const;

export function filterUntrustedLayer(layer: PlainObject, effective: FactoryConfig): FilteredLayer {
  const kept: PlainObject = {};
  const ignored: string[] = [];
  for (const [section, value] of Object.entries(layer)) {
    if (!(TIGHTENABLE_SECTIONS as readonly string[]).includes(section) || !isPlainObject(value)) {
      ignored.push(
        ...(isPlainObject(value) && Object.keys(value).length > 0 ? Object.keys(value).map((k) => `${section}.${k}`) : [section]),
      );
      continue;
    }
    const own = effective[section as (typeof TIGHTENABLE_SECTIONS)[number]] as PlainObject;
    const keptSection: PlainObject = {};
    for (const [key, wanted] of Object.entries(value)) {
      if (tightens(wanted, own[key])) keptSection[key] = wanted;
      else ignored.push(`${section}.${key}`);
    }
    if (Object.keys(keptSection).length > 0) kept[section] = keptSection;
  }
  return { layer: kept, ignored };
}

/** `sandbox.max_memory_mb: null` means min(4096 MB, half the RAM): 4096 is the most it can be. */
const NULL_LIMIT_CEILING = 4096;

/** A number at or below the user's, or turning a requirement on. */
function tightens(wanted: unknown, own: unknown): boolean {
  // `llm_concurrency: auto` admits at least one turn at a time, so 1 is the only number surely at or below it.
  if (typeof wanted === 'number')
    return wanted <= (typeof own === 'number' ? own : own === null ? NULL_LIMIT_CEILING : own === 'auto' ? 1 : -Infinity);
  if (typeof wanted === 'boolean') return wanted === true || own === false;
  return false;
}

function isPlainObject(value: unknown): value is PlainObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
