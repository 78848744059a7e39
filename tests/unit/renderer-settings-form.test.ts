import { describe, expect, it } from 'vitest';
import { configViewSchema } from '../../src/api/payloads.js';
import { draftFromConfig, FIELDS, isPatchEmpty, patchFromDraft, validateDraft } from '../../renderer/src/lib/settings-form.js';

const defaults = configViewSchema.shape.config.parse({});

describe('the Settings form', () => {
  it('has a field for every key of factory.yaml', () => {
    const ids = new Set(FIELDS.map((f) => `${f.section}.${f.key}`));
    for (const [section, values] of Object.entries(defaults))
      for (const key of Object.keys(values)) expect(ids).toContain(`${section}.${key}`);
  });

  it('round-trips the config through the draft with no changes', () => {
    const draft = draftFromConfig(defaults);
    expect(draft['workspace.include']).toBe('');
    expect(draft['sandbox.require']).toBe(false);
    expect(validateDraft(draft)).toEqual({ errors: {}, config: defaults });
    expect(isPatchEmpty(patchFromDraft(draft, defaults))).toBe(true);
  });

  it('reports each problem on its field, in words, using the core schema', () => {
    const draft = {
      ...draftFromConfig(defaults),
      'agent.total_token_budget': '0',
      'server.port': '70000',
      'agent.max_attempts': '2.5',
      'agent.temperature': 'hot',
      'agent.stagnation_threshold': '1',
      'server.model': ' ',
    };
    const { errors, config } = validateDraft(draft);
    expect(config).toBeNull();
    expect(errors).toEqual({
      'agent.total_token_budget': 'Must be more than 0.',
      'server.port': 'Must be at most 65535.',
      'agent.max_attempts': 'Enter a whole number.',
      'agent.temperature': 'Enter a number.',
      'agent.stagnation_threshold': 'Must be at least 2.',
      'server.model': 'Required.',
    });
  });

  it('patches only what changed, with typed values (lists, nulls, booleans)', () => {
    const draft = {
      ...draftFromConfig(defaults),
      'agent.max_attempts': '8',
      'workspace.include': '.env\n\n config/local.json ',
      'server.python': '',
      'sandbox.require': true,
    };
    expect(patchFromDraft(draft, defaults)).toEqual({
      agent: { max_attempts: 8 },
      workspace: { include: ['.env', 'config/local.json'] },
      sandbox: { require: true },
    });
  });

  it('takes the editor command one argument per line; empty means the default', () => {
    const draft = { ...draftFromConfig(defaults), 'workspace.editor': 'open\n-a\nVisual Studio Code\n' };
    expect(patchFromDraft(draft, defaults)).toEqual({ workspace: { editor: ['open', '-a', 'Visual Studio Code'] } });
    expect(validateDraft(draft).errors).toEqual({});
    expect(patchFromDraft({ ...draftFromConfig(defaults), 'workspace.editor': '  \n' }, defaults)).toEqual({});
  });
});
