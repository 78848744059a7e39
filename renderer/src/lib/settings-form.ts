import { configViewSchema, type ConfigView } from '../../../src/api/payloads.js';

/**
 * The Settings form over factory.yaml (DESIGN.md's config): what each field is, the text a field
 * shows, and validation with the core's own schema (so the form and the host agree on what is
 * valid), reporting each problem on its field. Pure.
 */
type FactoryConfig = ConfigView['config'];
export type Section = 'server' | 'agent' | 'workspace' | 'sandbox';
type FieldKind =
  'text' | 'optional-text' | 'int' | 'optional-int' | 'int-or-auto' | 'number' | 'optional-number' | 'bool' | 'list' | 'optional-list';

export interface FieldSpec {
  readonly section: Section;
  readonly key: string;
  readonly label: string;
  readonly kind: FieldKind;
  readonly help: string;
  readonly unit?: string;
}

export const SECTION_TITLES: Record<Section, string> = {
  server: 'Model server',
  agent: 'Agents',
  workspace: 'Workspaces',
  sandbox: 'Sandbox',
};

export const FIELDS: readonly FieldSpec[] = [
  {
    section: 'server',
    key: 'url',
    label: 'Server URL',
    kind: 'optional-text',
    help: 'An OpenAI-compatible server (LM Studio, vLLM, mlx_lm.server on another Mac), e.g. http://192.168.1.20:8080.',
  },
  {
    section: 'server',
    key: 'api_key_env',
    label: 'API key variable',
    kind: 'optional-text',
    help: 'The NAME of an environment variable holding its API key (on a Mac, or a keychain item of that name). Empty: no key.',
  },
  { section: 'server', key: 'model', label: 'Model', kind: 'text', help: 'A Hugging Face id or a local folder, served by mlx_lm.server.' },
  { section: 'server', key: 'host', label: 'Host', kind: 'text', help: 'Where the server listens (127.0.0.1 keeps it on this Mac).' },
  { section: 'server', key: 'port', label: 'Port', kind: 'int', help: 'Preferred port; the next free one is used if it is taken.' },
  {
    section: 'server',
    key: 'python',
    label: 'Python',
    kind: 'optional-text',
    help: 'A python with mlx-lm. Empty: the app’s own runtime, then PATH.',
  },
  {
    section: 'server',
    key: 'idle_unload_minutes',
    label: 'Unload when idle',
    kind: 'number',
    unit: 'min',
    help: 'Stop the server after this long without requests (0 = never).',
  },
  {
    section: 'server',
    key: 'model_dirs',
    label: 'More model folders',
    kind: 'list',
    help: 'Folders holding MLX models, one per line, listed beside the Hugging Face cache and LM Studio’s folder.',
  },
  {
    section: 'server',
    key: 'memory_floor_gb',
    label: 'Memory kept free',
    kind: 'optional-number',
    unit: 'GB',
    help: 'Turns wait rather than go below it. Empty: the larger of 2 GB and 15 % of memory.',
  },
  {
    section: 'server',
    key: 'draft_model',
    label: 'Draft model',
    kind: 'optional-text',
    help: 'A small model of the same family for speculative decoding, used only while one session runs. Empty: none.',
  },
  {
    section: 'server',
    key: 'num_draft_tokens',
    label: 'Draft tokens',
    kind: 'int',
    help: 'Tokens the draft model proposes per step (1–16).',
  },
  {
    section: 'agent',
    key: 'max_attempts',
    label: 'Max attempts',
    kind: 'int',
    help: 'Coder → check → Sheriff rounds before a session gives up.',
  },
  {
    section: 'agent',
    key: 'execution_timeout',
    label: 'Check timeout',
    kind: 'number',
    unit: 's',
    help: 'A check running longer is killed with its whole process tree.',
  },
  {
    section: 'agent',
    key: 'llm_timeout',
    label: 'Model timeout',
    kind: 'number',
    unit: 's',
    help: 'A model turn taking longer is aborted.',
  },
  {
    section: 'agent',
    key: 'max_tokens_per_turn',
    label: 'Max tokens per turn',
    kind: 'int',
    help: 'The longest reply a turn may produce.',
  },
  {
    section: 'agent',
    key: 'total_token_budget',
    label: 'Token budget',
    kind: 'int',
    help: 'Prompt + completion tokens a session may spend in total.',
  },
  { section: 'agent', key: 'temperature', label: 'Temperature', kind: 'number', help: '0 is deterministic; up to 2.' },
  {
    section: 'agent',
    key: 'stagnation_threshold',
    label: 'Stagnation threshold',
    kind: 'int',
    help: 'Stop after the same failure this many times in a row (≥ 2).',
  },
  {
    section: 'agent',
    key: 'max_prompt_tokens',
    label: 'Max prompt tokens',
    kind: 'int',
    help: 'Each prompt is kept under this (small models degrade past 8–12k).',
  },
  {
    section: 'agent',
    key: 'llm_concurrency',
    label: 'Parallel model turns',
    kind: 'int-or-auto',
    help: 'Turns of different sessions the server handles at once. Empty or “auto”: as many as memory allows on the app’s own server, 1 on a server at a URL.',
  },
  {
    section: 'agent',
    key: 'best_of',
    label: 'Parallel attempts',
    kind: 'int',
    help: 'Sibling sessions per task (1–8): the first whose check passes wins, the others stop.',
  },
  {
    section: 'agent',
    key: 'tests_first',
    label: 'Tests first',
    kind: 'bool',
    help: 'New sessions start with acceptance tests that must fail on the base (needs a check command).',
  },
  {
    section: 'agent',
    key: 'lint_on_edit',
    label: 'Lint on every edit',
    kind: 'bool',
    help: 'Syntax-check touched files in the sandbox before the check; an error goes back to the Coder without spending an attempt.',
  },
  {
    section: 'workspace',
    key: 'setup',
    label: 'Setup command',
    kind: 'optional-text',
    help: 'Run in each new worktree (e.g. npm ci). Empty: none.',
  },
  {
    section: 'workspace',
    key: 'run',
    label: 'Run script',
    kind: 'optional-text',
    help: 'A session’s app (e.g. npm run dev), started by Run in its worktree with PORT set, in the sandbox with the network. A repository’s own setting (Run bar) wins. Empty: none.',
  },
  {
    section: 'workspace',
    key: 'include',
    label: 'Copy ignored files',
    kind: 'list',
    help: 'One path per line (e.g. .env), copied into each new worktree.',
  },
  {
    section: 'workspace',
    key: 'editor',
    label: 'Editor command',
    kind: 'optional-list',
    help: '“Open in editor”: the program and its arguments, one per line; the worktree is added last. Empty: code (or Visual Studio Code via open -a).',
  },
  {
    section: 'sandbox',
    key: 'require',
    label: 'Require a sandbox',
    kind: 'bool',
    help: 'Refuse to run checks where no OS sandbox is available.',
  },
  {
    section: 'sandbox',
    key: 'max_memory_mb',
    label: 'Check memory limit',
    kind: 'optional-int',
    unit: 'MB',
    help: 'Memory a check may use. Empty: 4 GB or half the RAM, whichever is less.',
  },
  {
    section: 'sandbox',
    key: 'max_processes',
    label: 'Check process limit',
    kind: 'int',
    help: 'Processes and threads a check may run at once.',
  },
];

export const fieldId = (field: Pick<FieldSpec, 'section' | 'key'>): string => `${field.section}.${field.key}`;

export type DraftValue = string | boolean;
export type SettingsDraft = Readonly<Record<string, DraftValue>>;

function valueOf(config: FactoryConfig, field: FieldSpec): unknown {
  return (config[field.section] as Record<string, unknown>)[field.key];
}

export function draftFromConfig(config: FactoryConfig): SettingsDraft {
  const draft: Record<string, DraftValue> = {};
  for (const field of FIELDS) {
    const value = valueOf(config, field);
    if (field.kind === 'bool') draft[fieldId(field)] = value === true;
    else if (field.kind === 'list' || field.kind === 'optional-list') draft[fieldId(field)] = Array.isArray(value) ? value.join('\n') : '';
    else draft[fieldId(field)] = value === null || value === undefined ? '' : String(value);
  }
  return draft;
}

type Typed = string | number | boolean | null | string[];

/** A field's text as the value factory.yaml takes, or an error sentence. */
function typedValue(field: FieldSpec, raw: DraftValue): { ok: true; value: Typed } | { ok: false; error: string } {
  if (field.kind === 'bool') return { ok: true, value: raw === true };
  const text = String(raw).trim();
  switch (field.kind) {
    case 'text':
      return text === '' ? { ok: false, error: 'Required.' } : { ok: true, value: text };
    case 'optional-text':
      return { ok: true, value: text === '' ? null : text };
    case 'list':
      return {
        ok: true,
        value: text
          .split('\n')
          .map((l) => l.trim())
          .filter((l) => l !== ''),
      };
    case 'optional-list': {
      const items = text
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l !== '');
      return { ok: true, value: items.length === 0 ? null : items };
    }
    case 'int':
    case 'optional-int':
    case 'int-or-auto':
    case 'number':
    case 'optional-number': {
      if (field.kind === 'int-or-auto' && (text === '' || text.toLowerCase() === 'auto')) return { ok: true, value: 'auto' };
      if (text === '') return field.kind.startsWith('optional') ? { ok: true, value: null } : { ok: false, error: 'Required.' };
      const n = Number(text);
      if (!Number.isFinite(n)) return { ok: false, error: 'Enter a number.' };
      if (field.kind !== 'number' && field.kind !== 'optional-number' && !Number.isInteger(n))
        return { ok: false, error: 'Enter a whole number.' };
      return { ok: true, value: n };
    }
  }
}

export interface SettingsValidation {
  /** Field id → what is wrong with it. */
  readonly errors: Readonly<Record<string, string>>;
  /** The whole config as it would be saved (null while there are errors). */
  readonly config: FactoryConfig | null;
}

export function validateDraft(draft: SettingsDraft): SettingsValidation {
  const errors: Record<string, string> = {};
  const candidate: Record<Section, Record<string, Typed>> = { server: {}, agent: {}, workspace: {}, sandbox: {} };
  for (const field of FIELDS) {
    const typed = typedValue(field, draft[fieldId(field)] ?? '');
    if (typed.ok) candidate[field.section][field.key] = typed.value;
    else errors[fieldId(field)] = typed.error;
  }
  const parsed = configViewSchema.shape.config.safeParse(candidate);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const id = issue.path.slice(0, 2).join('.');
      errors[id] ??= humanIssue(issue.message);
    }
  }
  return { errors, config: Object.keys(errors).length === 0 && parsed.success ? parsed.data : null };
}

function humanIssue(message: string): string {
  // zod's wording ("Too small: expected number to be >=1", ">0") → a short sentence for a form.
  const bound = /expected \w+ to be (>=|>|<=|<)\s*(-?[\d.]+)/.exec(message);
  if (bound !== null) {
    const [, op, n] = bound;
    return op === '>='
      ? `Must be at least ${n}.`
      : op === '>'
        ? `Must be more than ${n}.`
        : op === '<='
          ? `Must be at most ${n}.`
          : `Must be less than ${n}.`;
  }
  return message.endsWith('.') ? message : `${message}.`;
}

/** What changed against the saved config, as `config.write`'s patch (sections with changes only). */
export function patchFromDraft(draft: SettingsDraft, saved: FactoryConfig): Partial<Record<Section, Record<string, Typed>>> {
  const patch: Partial<Record<Section, Record<string, Typed>>> = {};
  for (const field of FIELDS) {
    const typed = typedValue(field, draft[fieldId(field)] ?? '');
    if (!typed.ok) continue;
    const before = valueOf(saved, field);
    if (JSON.stringify(before ?? null) === JSON.stringify(typed.value)) continue;
    (patch[field.section] ??= {})[field.key] = typed.value;
  }
  return patch;
}

export function isPatchEmpty(patch: Partial<Record<Section, Record<string, Typed>>>): boolean {
  return Object.values(patch).every((section) => section === undefined || Object.keys(section).length === 0);
}

/** Server fields shown for each choice: the app's own MLX server, or an OpenAI-compatible one at a URL. */
export type ServerMode = 'own' | 'url';
const OWN_ONLY = new Set(['server.host', 'server.port', 'server.python', 'server.idle_unload_minutes']);
const URL_ONLY = new Set(['server.url', 'server.api_key_env']);

export function fieldShown(field: FieldSpec, mode: ServerMode): boolean {
  const id = fieldId(field);
  return mode === 'own' ? !URL_ONLY.has(id) : !OWN_ONLY.has(id);
}
