import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FileChange } from '../support/replay/reply-shapes.js';
import { generateReply, SHAPES } from '../support/replay/reply-shapes.js';
import { replayRecord } from '../support/replay/replay-record.js';

/**
 * The slice of the real-commit replay that runs in `npm test` (issue #18; the whole set is
 * `npm run bench -- parser --replay`): small changes from this project's own history, each written
 * as a reply in every shape small models use, parsed and applied as a session does, and compared byte
 * for byte with the commit's files. Every record must apply exactly: none refused, none wrong.
 */
interface Fixture {
  readonly groups: readonly { readonly id: string; readonly language: string; readonly changes: readonly FileChange[] }[];
}

const fixture = JSON.parse(fs.readFileSync(path.join('tests', 'fixtures', 'replay', 'own-history.json'), 'utf8')) as Fixture;

describe('real-commit replay (own history slice)', () => {
  it('has a few dozen records in several languages', () => {
    expect(fixture.groups.length * SHAPES.length).toBeGreaterThanOrEqual(36);
    expect(new Set(fixture.groups.map((g) => g.language)).size).toBeGreaterThanOrEqual(4);
  });

  describe.each(SHAPES)('shape %s', (shape) => {
    it.each(fixture.groups.map((g) => [g.id, g] as const))('%s applies exactly', (_id, group) => {
      const generated = generateReply(group.changes, shape);
      expect(generated.ok).toBe(true);
      if (!generated.ok) return;
      expect(replayRecord({ ...group, shape, reply: generated.reply })).toEqual({ kind: 'exact' });
    });
  });
});

describe('the replay generator', () => {
  const change: FileChange = {
    path: 'src/a.ts',
    before: 'function f() {\n  if (x) {\n    return 1;\n  }\n  return 0;\n}\n',
    after: 'function f() {\n  if (x) {\n    return 2;\n  }\n  return 0;\n}\n',
  };

  it('writes the least context that is unique, and a dedented copy of it', () => {
    const minimal = generateReply([change], 'minimal');
    expect(minimal).toEqual({
      ok: true,
      reply: 'Here are the changes.\n\nsrc/a.ts\n```ts\n<<<<<<< SEARCH\n    return 1;\n=======\n    return 2;\n>>>>>>> REPLACE\n```\n',
    });
    const dedented = generateReply([change], 'dedented');
    expect(dedented.ok && dedented.reply).toContain('<<<<<<< SEARCH\nreturn 1;\n=======\nreturn 2;\n>>>>>>> REPLACE');
  });

  it('says when a shape cannot express a change instead of writing a wrong reply', () => {
    expect(generateReply([{ path: 'a.txt', before: 'a\n', after: 'b' }], 'minimal').ok).toBe(false);
    expect(generateReply([{ path: 'a.txt', before: 'a\n', after: 'b' }], 'whole-file').ok).toBe(false);
  });

  it('counts a wrong write without a refusal as unsafe', () => {
    const reply = 'src/a.ts\n```ts\n<<<<<<< SEARCH\n    return 1;\n=======\n    return 3;\n>>>>>>> REPLACE\n```\n';
    expect(replayRecord({ id: 't', language: 'TypeScript/JavaScript', shape: 'minimal', changes: [change], reply }).kind).toBe('unsafe');
  });
});
