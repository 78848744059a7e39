// One session model: the plan (check rule and every limit) is fixed when the session starts and logged
// whole; resume reads it back. The run that decided the check from the file the Coder wrote (app.py)
// must run the same check after a crash and a resume, under the same limits, whatever factory.yaml
// says by then.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyEvents, emptyTranscript } from '../../renderer/src/lib/transcript-reducer.js';
import { runCli, summaryOf } from '../support/run-cli.js';
import { CliProcess, FAIL, fileReply, PASS, readLog, ofType, sessionIdOf, useFaultHarness } from './fault-support.js';

// Its workspace does not require the sandbox, so neither does this file.
const faults = useFaultHarness({ sandbox: false });

describe('a session killed mid-attempt and resumed', () => {
  it('runs the check it decided (python3 app.py) and keeps every limit, though factory.yaml changed in between', async () => {
    const ws = faults.workspace('plan-resume', '');
    fs.mkdirSync(ws.home, { recursive: true });
    const homeConfig = path.join(ws.home, 'factory.yaml');
    fs.writeFileSync(
      homeConfig,
      'agent:\n  max_tokens_per_turn: 3000\n  temperature: 0.3\n  stagnation_threshold: 4\n  execution_timeout: 45\n  max_prompt_tokens: 5000\n',
    );
    await faults.server.setScript({
      coder: [
        { content: fileReply("print('one')", 'app.py') },
        // Attempt 2's reply streams slowly: the host is killed while it arrives.
        { content: fileReply(`print('two')\n${'# slow\n'.repeat(40)}`, 'app.py'), tokensPerSecond: 8 },
        { content: fileReply("print('three')", 'app.py') },
      ],
      sheriff: [FAIL, PASS],
    });
    await faults.server.clearRequests();
    const run = new CliProcess(['run', 'Print a number from app.py', '--server-url', faults.server.url, '--json', '-n', '4'], {
      cwd: ws.repo,
      home: ws.home,
    });
    await run.waitFor((e) => e.type === 'token.delta' && e['attempt'] === 2 && e['persona'] === 'coder', 'attempt 2 streaming');
    await run.sigkill();
    const id = sessionIdOf(run.events);
    const before = await faults.server.requests();

    // Between the crash and the resume, the user's factory.yaml changes every limit.
    fs.writeFileSync(
      homeConfig,
      'agent:\n  max_tokens_per_turn: 100\n  temperature: 0.9\n  stagnation_threshold: 2\n  execution_timeout: 5\n  max_prompt_tokens: 900\n',
    );
    await faults.server.clearRequests();
    const resumed = await runCli(['sessions', 'resume', id, '--server-url', faults.server.url, '--json'], { cwd: ws.repo, home: ws.home });
    expect(resumed.exitCode, resumed.stderr).toBe(0);
    expect(summaryOf(resumed.stdout).status).toBe('passed');

    const { events } = readLog(ws.home, id);
    const resumedAt = events.findIndex((e) => e.type === 'session.resumed');
    expect(resumedAt).toBeGreaterThan(0);
    const checks = ofType(events, 'exec.started').map((e) => e.command);
    expect(checks.length).toBeGreaterThanOrEqual(2);
    expect(new Set(checks)).toEqual(new Set(['python3 app.py']));
    expect(ofType(events.slice(resumedAt), 'exec.started').map((e) => e.command)).toEqual(['python3 app.py']);

    // The plan was logged whole, and the resumed turns asked for what it says, not for today's config.
    const plan = ofType(events, 'session.created')[0]?.plan;
    expect(plan).toMatchObject({
      check: { kind: 'entry-file' },
      limits: { maxTokensPerTurn: 3000, temperature: 0.3, stagnationThreshold: 4, executionTimeoutMs: 45_000, maxPromptTokens: 5000 },
    });
    const after = await faults.server.requests();
    expect(after.length).toBeGreaterThan(0);
    // (The one-off probe for tool support, #17, offers tools and is not a turn of the plan.)
    expect(new Set([...before, ...after].filter((r) => r.tools === null).map((r) => r.max_tokens))).toEqual(new Set([3000]));

    // The UI's live figure (the renderer's reducer over every event before the end) is the summary's.
    const finishedAt = events.findLastIndex((e) => e.type === 'session.finished');
    const finished = events[finishedAt];
    const live = applyEvents(emptyTranscript(id), events.slice(0, finishedAt)).projection?.tokens;
    expect(finished?.type === 'session.finished' && finished.tokens).toEqual(live);
    expect(summaryOf(resumed.stdout)['tokens']).toEqual(live);

    // `sessions show` names the check that ran.
    const show = await runCli(['sessions', 'show', id], { cwd: ws.repo, home: ws.home });
    expect(show.stdout).toMatch(/check\s+python3 app\.py/);
  });
});
