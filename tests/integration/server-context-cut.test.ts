import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { applyEvents, emptyTranscript } from '../../renderer/src/lib/transcript-reducer.js';
import { sessionRow } from '../../src/api/session-row.js';
import { appPaths } from '../../src/home/app-home.js';
import { readSessionLog } from '../../src/sessions/session-log.js';
import { sessionFiles } from '../../src/sessions/session-meta.js';
import { loadSessionRow } from '../../src/sessions/session-store.js';
import { readContextLength } from '../../src/llm/server-context-length.js';
import { git } from '../support/git-fixtures.js';
import { startScriptedServer, type ScriptedServer } from '../support/scripted-server/launch.js';
import { runCli } from '../support/run-cli.js';

/**
 * #17 part 6: a server that publishes a context of 2,048 tokens and then counts far fewer prompt
 * tokens than we sent (it cut the prompt, as Ollama does silently). Prompts stay under what the
 * published context admits; the cut is said once — live in the CLI, in `sessions show`, in the row,
 * and in the renderer's transcript (the reducer the UI runs) — in plain words with what to change.
 */
let server: ScriptedServer;
let tmp: string | undefined;

beforeAll(async () => {
  server = await startScriptedServer({ extraArgs: ['--context-length', '2048'] });
});
afterAll(async () => {
  await server.stop();
});
afterEach(() => {
  if (tmp !== undefined) fs.rmSync(tmp, { recursive: true, force: true });
});

const CUT_WORDS = 'The model server cut the prompt';

describe('an external server that cuts prompts', () => {
  it('reads the published context from /v1/models', async () => {
    expect(await readContextLength({ baseUrl: server.url, model: null })).toBe(2048);
    expect(await readContextLength({ baseUrl: `${server.url}/v1`, model: 'scripted-model' })).toBe(2048);
  });

  it('keeps prompts under the published context and says once that the server cut them', async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mlxf-cut-'));
    const repo = path.join(tmp, 'repo');
    const home = path.join(tmp, 'home');
    fs.mkdirSync(repo);
    // ~3,000 tokens of file in play: the prompt is trimmed to the published context, and is still far above 100.
    fs.writeFileSync(path.join(repo, 'data.py'), Array.from({ length: 400 }, (_, i) => `VALUE_${i} = ${i} * 3  # constant`).join('\n'));
    fs.writeFileSync(path.join(repo, 'factory.yaml'), 'agent:\n  stagnation_threshold: 9\n');
    git(repo, 'init', '-q', '-b', 'main');
    git(repo, 'add', '-A');
    git(repo, 'commit', '-qm', 'init');
    const coder = [1, 2].map((n) => ({
      content: `app.py\n\`\`\`python\nimport sys\nsys.exit(${n})\n\`\`\`\n`,
      usage: { prompt_tokens: 100 },
    }));
    await server.setScript({ coder, sheriff: [{ content: 'It fails.\nVERDICT: FAIL', usage: { prompt_tokens: 100 } }] });
    await server.clearRequests();

    const run = await runCli(['run', 'Write app.py using the constants in data.py', '--server-url', server.url, '-n', '2'], {
      cwd: repo,
      home,
    });
    expect(run.exitCode, run.stderr).toBe(1);
    // Every prompt stayed under 2048 − min(max_tokens_per_turn, 1024) = 1024 (the server's own count, chars / 4).
    const requests = await server.requests();
    expect(requests.length).toBeGreaterThanOrEqual(4);
    for (const r of requests) expect(r.promptTokens).toBeLessThanOrEqual(1024);
    // The CLI says it once, while it runs, in plain words with what to change.
    expect(run.stdout.split(CUT_WORDS)).toHaveLength(2);
    expect(run.stdout).toContain('Raise the server');
    expect(run.stdout).toContain('agent.max_prompt_tokens');

    const id = fs.readdirSync(appPaths(home).sessions).find((name) => !name.startsWith('.'));
    expect(id).toBeDefined();
    const events = readSessionLog(sessionFiles(appPaths(home).sessions, String(id)).log).events;
    expect(events.filter((e) => e.type === 'prompt.cut')).toHaveLength(1);
    const row = loadSessionRow(appPaths(home), String(id));
    expect(row.promptCut).toContain(CUT_WORDS);
    expect(row.promptCut).toContain('2048');

    const show = await runCli(['sessions', 'show', String(id)], { cwd: repo, home });
    expect(show.stdout.split(CUT_WORDS)).toHaveLength(2);

    // The UI: the renderer's reducer over the same log shows one notice, and its row the same words.
    const transcript = applyEvents(emptyTranscript(String(id)), events);
    const notes = transcript.items.filter((item) => item.kind === 'note' && item.text.startsWith(CUT_WORDS));
    expect(notes).toHaveLength(1);
    expect(transcript.projection && sessionRow(transcript.projection).promptCut).toBe(row.promptCut);
  });
});
