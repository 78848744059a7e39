import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseCoderReply } from '../../src/agents/parse-coder-reply.js';
import { applyEdits } from '../../src/workspace/apply-edits.js';

/** Parse and apply as a session does, on a real directory: what a reply may never do to the files. */
let dir: string;
const APP = `import os\n\n\ndef load(path):\n${'    x = 1\n'.repeat(12)}    return path\n\n\ndef save(path, data):\n${'    y = 2\n'.repeat(12)}    return data\n`;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reply-safety-'));
  fs.writeFileSync(path.join(dir, 'app.py'), APP);
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function run(reply: string): { problems: string[]; app: string; files: string[] } {
  const parsed = parseCoderReply(reply, { existingFiles: ['app.py'], filesInPlay: ['app.py'] });
  const applied = applyEdits(dir, parsed.edits);
  const problems = [...parsed.rejected, ...applied.failed].map((r) => `${r.path}: ${r.reason}`);
  const files = fs
    .readdirSync(dir, { recursive: true })
    .map(String)
    .filter((f) => fs.statSync(path.join(dir, f)).isFile())
    .sort();
  return { problems, app: fs.readFileSync(path.join(dir, 'app.py'), 'utf8'), files };
}

describe('a reply never overwrites the file in play with something that is not it', () => {
  it("another tool's marker dialect is not written into the only file in play", () => {
    const result = run(
      'Here is the change:\n\n```python\napp.py\n<<<<<<< ORIGINAL\n    return path\n=======\n    return path.strip()\n>>>>>>> UPDATED\n```\n',
    );
    expect(result.app).toBe(APP);
    expect(result.problems.join('\n')).toContain('this tool does not read `<<<<<<< ORIGINAL` … `>>>>>>> UPDATED` marker lines');
  });

  it('a pathless fragment does not replace the module', () => {
    const result = run('The fix:\n```python\ndef save(path, data):\n    return data.strip()\n```\n');
    expect(result.app).toBe(APP);
    expect(result.problems).toEqual([
      expect.stringContaining(
        'app.py: a code block with no path line looks like a fragment of app.py, not the whole file (it lacks load)',
      ) as unknown,
    ]);
  });

  it('a pathless whole-file rewrite of the one file in play is applied', () => {
    const rewritten = APP.replace('return data', 'return bytes(data)');
    const result = run(`\`\`\`python\n${rewritten}\`\`\`\n`);
    expect(result.problems).toEqual([]);
    expect(result.app).toBe(rewritten);
  });

  it('a file named in a label line the parser has no rule for gets the block, not the file in play', () => {
    const result = run('Creating new file `lib/extra.py`\n```python\nEXTRA = 1\n```\n');
    expect(result.app).toBe(APP);
    expect(result.files).toEqual(['app.py', path.join('lib', 'extra.py')]);
    expect(fs.readFileSync(path.join(dir, 'lib', 'extra.py'), 'utf8')).toBe('EXTRA = 1\n');
  });

  it('a one-line SEARCH that is the start of another line changes nothing and quotes that line', () => {
    const result = run('app.py\n<<<<<<< SEARCH\n    return p\n=======\n    return q\n>>>>>>> REPLACE\n');
    expect(result.app).toBe(APP);
    expect(result.problems[0]).toContain('Did you mean these lines');
  });
});
