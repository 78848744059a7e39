// Stash-and-merge (#21 part 4, DESIGN "Conflicts") killed at each of its steps with SIGKILL: the
// user's uncommitted changes are never lost — they are in the checkout, or under refs/factory/stash/N
// and the very next command says the git command that brings them back (which then works) — and
// merging again converges. The process is stopped at each named step (MLX_FACTORY_FAULT_POINT) and
// killed there, so every step is hit on a loaded machine, not only the ones a timer happens to land in.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { git } from '../support/git-fixtures.js';
import { runCli } from '../support/run-cli.js';
import { addStep, createSessionFixture, finishSession } from '../support/session-fixtures.js';
import { waitFor } from '../support/wait-for.js';
import { CliProcess, useFaultHarness, type Workspace } from './fault-support.js';

const faults = useFaultHarness({ sandbox: false, server: false });

const POINTS = ['stash:journal', 'stash:ref', 'stash:clearing', 'stash:cleared', 'stash:merged', 'stash:restoring', 'stash:applied'];

const lines = (tag: string): string => Array.from({ length: 12 }, (_, i) => `line ${i + 1} ${tag}\n`).join('');
const withLine = (text: string, index: number, value: string): string => {
  const all = text.split('\n');
  all[index] = value;
  return all.join('\n');
};

/** Two committed files the session edits at the top; the user edits them at the bottom (one staged). */
async function prepare(w: Workspace): Promise<{ id: string; userApp: string; userConf: string }> {
  fs.writeFileSync(path.join(w.repo, 'app.py'), lines('app'));
  fs.writeFileSync(path.join(w.repo, 'conf.ini'), lines('conf'));
  git(w.repo, 'add', 'app.py', 'conf.ini');
  git(w.repo, 'commit', '-qm', 'two files');
  const session = await createSessionFixture({ repo: w.repo, home: w.home, name: 'Top lines' });
  await addStep(session, {
    files: { 'app.py': withLine(lines('app'), 0, 'session top'), 'conf.ini': withLine(lines('conf'), 0, 'session top') },
  });
  finishSession(session);
  const userApp = withLine(lines('app'), 10, 'user bottom');
  const userConf = withLine(lines('conf'), 10, 'user bottom (staged)');
  fs.writeFileSync(path.join(w.repo, 'app.py'), userApp);
  fs.writeFileSync(path.join(w.repo, 'conf.ini'), userConf);
  git(w.repo, 'add', 'conf.ini');
  return { id: session.id, userApp, userConf };
}

describe('stash-and-merge killed at each step', () => {
  it('keeps the user’s changes in the checkout or in the ref, says how to restore them, and converges', async () => {
    const outcomes: string[] = [];
    for (const point of POINTS) {
      const w = faults.workspace(`stash-${point.replace(':', '-')}`, 'agent:\n  max_attempts: 2\n');
      const { id } = await prepare(w);
      const mainBefore = git(w.repo, 'rev-parse', 'main').trim();
      const mark = path.join(w.root, 'fault-mark');
      const merge = new CliProcess(['sessions', 'merge', id, '--stash'], {
        cwd: w.repo,
        home: w.home,
        env: { MLX_FACTORY_FAULT_POINT: point, MLX_FACTORY_FAULT_MARK: mark },
      });
      await waitFor(`the merge to reach ${point}`, () => fs.existsSync(mark), { timeoutMs: 120_000 });
      await merge.sigkill();

      const next = await runCli(['sessions', 'diff', id, '--files'], { cwd: w.repo, home: w.home });
      const merged = git(w.repo, 'rev-parse', 'main').trim() !== mainBefore;
      let how: string;
      if (next.exitCode === 0) {
        // Nothing pending: the changes are in the checkout (untouched, or already put back).
        how = 'in the checkout';
        expect(git(w.repo, 'for-each-ref', 'refs/factory/stash/').trim()).toBe('');
      } else {
        how = 'in the ref';
        const command = `git -C ${w.repo} stash apply refs/factory/stash/1 && git -C ${w.repo} update-ref -d refs/factory/stash/1`;
        expect(next.stderr, point).toContain(command);
        expect(git(w.repo, 'show', 'refs/factory/stash/1:app.py')).toContain('user bottom');
        expect(git(w.repo, 'show', 'refs/factory/stash/1:conf.ini')).toContain('user bottom (staged)');
        // The command restores them, as the message says.
        execFileSync('sh', ['-c', command], { cwd: w.root, stdio: 'pipe' });
        const again = await runCli(['sessions', 'diff', id, '--files'], { cwd: w.repo, home: w.home });
        expect(again.exitCode, again.stderr).toBe(0);
      }
      const app = fs.readFileSync(path.join(w.repo, 'app.py'), 'utf8');
      expect(app, point).toContain('user bottom');
      expect(fs.readFileSync(path.join(w.repo, 'conf.ini'), 'utf8'), point).toContain('user bottom (staged)');
      if (merged) expect(app).toContain('session top');
      else expect(app).not.toContain('session top');
      expect(fs.existsSync(path.join(w.repo, '.git', 'index.lock'))).toBe(false);
      outcomes.push(`${point}: ${merged ? 'merged' : 'not merged'}, changes ${how}`);

      // Merging again converges: the session's lines in main and the checkout, the user's beside them.
      const converge = await runCli(['sessions', 'merge', id, '--stash'], { cwd: w.repo, home: w.home });
      expect(converge.exitCode, `${point}: ${converge.stdout}${converge.stderr}`).toBe(0);
      const final = fs.readFileSync(path.join(w.repo, 'app.py'), 'utf8');
      expect(final).toContain('session top');
      expect(final).toContain('user bottom');
      expect(git(w.repo, 'show', 'main:app.py')).toContain('session top');
      expect(git(w.repo, 'for-each-ref', 'refs/factory/stash/').trim()).toBe('');
      // The user's other work was never touched.
      expect(fs.readFileSync(path.join(w.repo, 'notes.txt'), 'utf8')).toBe('line 1\nthe user is still typing\n');
      expect(fs.readFileSync(path.join(w.repo, 'scratch.txt'), 'utf8')).toBe('untracked work of the user\n');
    }
    console.info(`[faults] stash-and-merge killed at each step: ${outcomes.join('; ')}`);
  }, 600_000);
});
