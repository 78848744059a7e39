import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { applyEvents, emptyTranscript, type TurnItem } from '../../renderer/src/lib/transcript-reducer.js';
import type { SessionEvent } from '../../src/api/events.js';
import { CODER_TOOLS } from '../../src/agents/native-tools.js';
import { appPaths } from '../../src/home/app-home.js';
import { OpenAiChatModel } from '../../src/llm/openai-chat-model.js';
import { toolSupportKey, writeToolSupport } from '../../src/llm/tool-support-cache.js';
import { readSessionLog } from '../../src/sessions/session-log.js';
import { sessionFiles } from '../../src/sessions/session-meta.js';
import { loadSessionRow } from '../../src/sessions/session-store.js';
import { git } from '../support/git-fixtures.js';
import { startScriptedServer, type RecordedRequest, type Script, type ScriptedServer } from '../support/scripted-server/launch.js';
import { jsonLines, runCli, summaryOf } from '../support/run-cli.js';

/**
 * #17 part 5: native tool calls. The real CLI against the scripted server playing a server that
 * answers `tool_calls` (streamed in OpenAI's delta format), one that leaks them into the text as
 * Qwen's `<tool_call>{…}</tool_call>`, and one that refuses `tools` with a 400. The Coder looks
 * around with READ / SEARCH / LIST as tools, the orchestrator answers with `tool` messages, the fix
 * (a text edit, as always) is applied and the session passes; hostile arguments are refused; the
 * server's answer to `tools` is asked once and remembered in the app's home.
 */
const TARGET = 'pkg/shop/prices.py';
const CHECK = 'python3 check.py';
const TASK = 'apply_discount returns a higher price instead of a discounted one. Fix it.';
const FIX = `${TARGET}\n\`\`\`python\n<<<<<<< SEARCH\n    return price + price * percent / 100\n=======\n    return price - price * percent / 100\n>>>>>>> REPLACE\n\`\`\`\n`;
const PASS = { sheriff: [{ content: 'The check printed ok.\nVERDICT: PASS' }] };
const TOOL_NAMES = ['read_file', 'search_code', 'list_files'];

let server: ScriptedServer;
let tmp: string;

beforeAll(async () => {
  server = await startScriptedServer();
});
afterAll(async () => {
  await server.stop();
});
afterEach(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

function makeRepo(): { repo: string; home: string } {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mlxf-native-tools-'));
  const repo = path.join(tmp, 'repo');
  const files: Record<string, string> = {
    'pkg/__init__.py': '',
    'pkg/shop/__init__.py': '',
    'pkg/shop/cart.py': 'def total(items):\n    return sum(items)\n',
    [TARGET]: [
      'def round_price(price):',
      '    return round(price, 2)',
      '',
      '',
      'def apply_discount(price, percent):',
      '    """The price after a discount of `percent` per cent."""',
      '    return price + price * percent / 100',
      '',
    ].join('\n'),
    'check.py': `from pkg.shop.prices import apply_discount\nassert apply_discount(200, 10) == 180, apply_discount(200, 10)\nprint("ok")\n`,
  };
  for (const [file, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(repo, file)), { recursive: true });
    fs.writeFileSync(path.join(repo, file), content);
  }
  git(repo, 'init', '-q', '-b', 'main');
  git(repo, 'add', '-A');
  git(repo, 'commit', '-qm', 'init');
  return { repo, home: path.join(tmp, 'home') };
}

async function runTask(repo: string, home: string): Promise<{ events: Record<string, unknown>[]; summary: Record<string, unknown> }> {
  const result = await runCli(['run', TASK, '--check', CHECK, '--server-url', server.url, '--json', '-n', '1'], { cwd: repo, home });
  expect(result.stderr).toBe('');
  return { events: jsonLines(result.stdout), summary: summaryOf(result.stdout) };
}

function logOf(home: string, id: string): SessionEvent[] {
  return readSessionLog(sessionFiles(appPaths(home).sessions, id).log).events;
}

function toolSupportFile(home: string): unknown {
  return JSON.parse(fs.readFileSync(appPaths(home).toolSupport, 'utf8'));
}

const coderRequests = (requests: RecordedRequest[]): RecordedRequest[] => requests.filter((r) => r.persona === 'coder');
const probes = (requests: RecordedRequest[]): RecordedRequest[] => requests.filter((r) => r.persona === 'other' && r.tools !== null);
const byType = (events: Record<string, unknown>[], type: string): Record<string, unknown>[] => events.filter((e) => e.type === type);

async function script(value: Script): Promise<void> {
  await server.setScript(value);
  await server.clearRequests();
}

describe('native tool calls', () => {
  it('a server that answers tool_calls: READ / SEARCH / LIST as tools, answered with tool messages; hostile arguments refused; the fix applied and the session passes', async () => {
    const { repo, home } = makeRepo();
    await script({
      // The probe: the server answers with a tool call.
      other: [{ content: '', toolCalls: [{ name: 'list_files', arguments: { dir: '.' } }] }],
      coder: [
        {
          content: 'Let me look around first.',
          toolCalls: [
            { name: 'search_code', arguments: { pattern: 'def apply_discount', glob: 'pkg/**/*.py' }, id: 'call_s' },
            { name: 'list_files', arguments: { dir: 'pkg/shop' }, id: 'call_l' },
          ],
        },
        {
          content: '',
          toolCalls: [
            { name: 'read_file', arguments: { path: TARGET, start_line: 5, end_line: 7 }, id: 'call_r' },
            // Hostile or broken: out of the worktree, the git dir, no such tool, arguments that are not JSON.
            { name: 'read_file', arguments: { path: '../../../etc/passwd' }, id: 'call_out' },
            { name: 'read_file', arguments: { path: '.git/config' }, id: 'call_git' },
            { name: 'write_file', arguments: { path: TARGET, content: 'pwned' }, id: 'call_w' },
            { name: 'list_files', arguments: '{"dir": ', id: 'call_bad' },
          ],
        },
        { content: `The sign is wrong.\n\n${FIX}` },
      ],
      ...PASS,
    });
    const { events, summary } = await runTask(repo, home);
    expect(summary).toMatchObject({ status: 'passed', attempts: 1 });
    expect(fs.readFileSync(path.join(String(summary['worktree']), TARGET), 'utf8')).toContain('    return price - price * percent / 100\n');
    expect(git(repo, 'show', 'main:pkg/shop/prices.py')).toContain('price + price'); // the user's checkout untouched

    // Probed once, with the three tools, answered with tool_calls: native, remembered in the home.
    const requests = await server.requests();
    expect(probes(requests)).toHaveLength(1);
    expect(probes(requests)[0]?.tools).toEqual(TOOL_NAMES);
    expect(byType(events, 'tools.protocol')).toEqual([
      expect.objectContaining({ protocol: 'native', source: 'probed', reason: 'the server answered with tool_calls' }),
    ]);
    expect(toolSupportFile(home)).toMatchObject({
      version: 1,
      entries: { [`${server.url} (default model)`]: { protocol: 'native', reason: 'the server answered with tool_calls' } },
    });

    // Every Coder turn offered the tools (and streamed: the tool calls came as deltas).
    const coder = coderRequests(requests);
    expect(coder).toHaveLength(3);
    for (const r of coder) {
      expect(r.tools).toEqual(TOOL_NAMES);
      expect(r.stream).toBe(true);
    }
    // The second turn: the prompt, then the model's calls and one tool message per call, by id.
    const second = coder[1]?.messages ?? [];
    expect(second.slice(0, 2).map((m) => m.role)).toEqual(['system', 'user']);
    expect(second[2]).toMatchObject({
      role: 'assistant',
      content: 'Let me look around first.',
      tool_calls: [
        {
          id: 'call_s',
          type: 'function',
          function: { name: 'search_code', arguments: '{"pattern":"def apply_discount","glob":"pkg/**/*.py"}' },
        },
        { id: 'call_l', type: 'function', function: { name: 'list_files', arguments: '{"dir":"pkg/shop"}' } },
      ],
    });
    expect(second.slice(3).map((m) => [m.role, m['tool_call_id']])).toEqual([
      ['tool', 'call_s'],
      ['tool', 'call_l'],
    ]);
    expect(String(second[3]?.content)).toContain(`${TARGET}:5: def apply_discount(price, percent):`);
    expect(String(second[4]?.content)).toContain('tracked files under pkg/shop:');
    expect(String(second[4]?.content)).toContain('pkg/shop/cart.py');
    // The answers are not also pasted into the prompt (the text protocol's place for them).
    expect(String(second[1]?.content)).not.toContain('Answers to your requests');

    // The third turn: the ranged READ answered; every hostile call refused, none of it read or written.
    const third = coder[2]?.messages ?? [];
    const answers = Object.fromEntries(third.filter((m) => m.role === 'tool').map((m) => [String(m['tool_call_id']), String(m.content)]));
    expect(Object.keys(answers)).toEqual(['call_r', 'call_out', 'call_git', 'call_w', 'call_bad']);
    expect(answers['call_r']).toContain(`${TARGET}, lines 5-7 of 7:`);
    expect(answers['call_r']).toContain('    return price + price * percent / 100');
    expect(answers['call_r']).not.toContain('round_price');
    expect(answers['call_out']).toMatch(/^Refused: /);
    expect(answers['call_git']).toMatch(/^Refused: /);
    expect(answers['call_w']).toContain('Refused: there is no tool "write_file"');
    expect(answers['call_bad']).toBe('Refused: the arguments are not valid JSON.');
    for (const text of Object.values(answers)) expect(text).not.toMatch(/root:|\[core\]/);
    // A call whose arguments are not JSON is echoed back as {} (a server's template parses them).
    const echoed = (third.find((m) => m.role === 'assistant')?.['tool_calls'] ?? []) as { id: string; function: { arguments: string } }[];
    expect(echoed.find((c) => c.id === 'call_bad')?.function.arguments).toBe('{}');

    // The log: which protocol, each turn's calls, the answers marked as tool calls.
    expect(byType(events, 'read.answered').map((e) => [e['via'], e['paths']])).toEqual([
      ['native', ['SEARCH def apply_discount pkg/**/*.py', 'LIST pkg/shop']],
      [
        'native',
        [
          `READ ${TARGET} 5-7`,
          expect.stringMatching(/^read_file \(refused: /),
          expect.stringMatching(/^read_file \(refused: /),
          expect.stringMatching(/^write_file \(refused: there is no tool/),
          'list_files (refused: the arguments are not valid JSON)',
        ],
      ],
    ]);
    const coderStarts = byType(events, 'turn.started').filter((e) => e['persona'] === 'coder');
    expect(coderStarts.map((e) => e['tools'])).toEqual(['native', 'native', 'native']);
    expect(
      byType(events, 'turn.started')
        .filter((e) => e['persona'] === 'sheriff')
        .map((e) => e['tools']),
    ).toEqual([undefined]);
    const coderEnds = byType(events, 'turn.finished').filter((e) => e['persona'] === 'coder');
    expect(coderEnds.map((e) => ((e['toolCalls'] ?? []) as unknown[]).length)).toEqual([2, 5, 0]);
    expect(byType(events, 'edit.rejected')).toEqual([]);

    // The projection and the turn details (the renderer's reducer over the same log).
    const id = String(summary['session']);
    const row = loadSessionRow(appPaths(home), id);
    expect(row.state).toBe('passed');
    const log = logOf(home, id);
    const transcript = applyEvents(emptyTranscript(id), log);
    expect(transcript.projection?.toolProtocol).toEqual({
      protocol: 'native',
      reason: 'the server answered with tool_calls',
      source: 'probed',
    });
    const turns = transcript.items.filter((i): i is TurnItem => i.kind === 'turn' && i.persona === 'coder');
    expect(turns.map((t) => [t.tools?.protocol, t.toolCalls?.length ?? 0])).toEqual([
      ['native', 2],
      ['native', 5],
      ['native', 0],
    ]);
    expect(turns[0]?.tools?.reason).toBe('the server answered with tool_calls');
    const show = await runCli(['sessions', 'show', id], { cwd: repo, home });
    expect(show.stdout).toContain(
      '  tools     native tool calls (READ / SEARCH / LIST as OpenAI tools) — the server answered with tool_calls\n',
    );

    // A second session on the same server and model does not probe again.
    await server.clearRequests();
    const again = await runTask(repo, home);
    expect(again.summary).toMatchObject({ status: 'passed' });
    expect(probes(await server.requests())).toEqual([]);
    expect(byType(again.events, 'tools.protocol')).toEqual([expect.objectContaining({ protocol: 'native', source: 'remembered' })]);
  });

  it('a server that leaks tool calls into the text (<tool_call>{…}</tool_call>): read from the text, answered as tool messages, the session passes', async () => {
    const { repo, home } = makeRepo();
    await script({
      other: [{ content: '', toolCalls: [{ name: 'list_files', arguments: { dir: '.' } }], leakToolCalls: true }],
      coder: [
        {
          content: 'I will read the file.',
          toolCalls: [{ name: 'read_file', arguments: { path: TARGET } }],
          leakToolCalls: true,
        },
        { content: FIX },
      ],
      ...PASS,
    });
    const { events, summary } = await runTask(repo, home);
    expect(summary).toMatchObject({ status: 'passed', attempts: 1 });
    expect(fs.readFileSync(path.join(String(summary['worktree']), TARGET), 'utf8')).toContain('price - price');
    expect(byType(events, 'tools.protocol')).toEqual([
      expect.objectContaining({ protocol: 'native', source: 'probed', reason: expect.stringContaining('wrote its tool call as text') }),
    ]);

    const coder = coderRequests(await server.requests());
    expect(coder).toHaveLength(2);
    // What the model streamed was text; it went back as a proper call (an id of ours) and its answer.
    const turnEnd = byType(events, 'turn.finished').find((e) => e['persona'] === 'coder');
    expect(String(turnEnd?.['content'])).toContain('<tool_call>');
    const second = coder[1]?.messages ?? [];
    expect(second[2]).toMatchObject({
      role: 'assistant',
      content: 'I will read the file.',
      tool_calls: [{ id: 'call_text_1', type: 'function', function: { name: 'read_file', arguments: `{"path":"${TARGET}"}` } }],
    });
    expect(second[3]).toMatchObject({ role: 'tool', tool_call_id: 'call_text_1' });
    expect(String(second[3]?.content)).toContain(`${TARGET} (7 lines):`);
    expect(String(second[3]?.content)).toContain('def round_price(price):');
    expect(byType(events, 'read.answered')).toEqual([expect.objectContaining({ via: 'native', paths: [`READ ${TARGET}`] })]);
    // No correction for "tool calls as text": they were understood.
    expect(byType(events, 'edit.rejected')).toEqual([]);
  });

  it('a server that rejects tools with a 400: the text protocol is used, remembered, and the next session does not probe again', async () => {
    const { repo, home } = makeRepo();
    await script({
      tools: 'reject',
      coder: [{ content: `I need the function.\n\nSEARCH def apply_discount\nREAD ${TARGET} 5-7` }, { content: FIX }],
      ...PASS,
    });
    const first = await runTask(repo, home);
    expect(first.summary).toMatchObject({ status: 'passed', attempts: 1 });
    const requests = await server.requests();
    expect(probes(requests)).toHaveLength(1); // refused with a 400
    expect(byType(first.events, 'tools.protocol')).toEqual([
      expect.objectContaining({
        protocol: 'text',
        source: 'probed',
        reason: 'the server refused a request that offered tools (HTTP 400, tools are not supported by this server)',
      }),
    ]);
    // The text protocol: no tools offered, the answers in the next prompt.
    const coder = coderRequests(requests);
    expect(coder.map((r) => r.tools)).toEqual([null, null]);
    expect(String(coder[1]?.messages[1]?.content)).toContain(`### READ ${TARGET} 5-7\n${TARGET}, lines 5-7 of 7:`);
    expect(coder[1]?.messages.map((m) => m.role)).toEqual(['system', 'user']);
    expect(byType(first.events, 'read.answered')).toEqual([
      expect.objectContaining({ via: 'text', paths: ['SEARCH def apply_discount', `READ ${TARGET} 5-7`] }),
    ]);
    expect(
      byType(first.events, 'turn.started')
        .filter((e) => e['persona'] === 'coder')
        .map((e) => e['tools']),
    ).toEqual(['text', 'text']);
    expect(toolSupportFile(home)).toMatchObject({
      entries: { [`${server.url} (default model)`]: { protocol: 'text', reason: expect.stringContaining('HTTP 400') } },
    });

    // The second session: the answer is remembered, no request offers tools at all.
    await server.setScript({ tools: 'reject', coder: [{ content: FIX }], ...PASS });
    await server.clearRequests();
    const second = await runTask(repo, home);
    expect(second.summary).toMatchObject({ status: 'passed' });
    const after = await server.requests();
    expect(after.filter((r) => r.tools !== null)).toEqual([]);
    expect(after.map((r) => r.persona)).toEqual(['coder', 'sheriff']);
    expect(byType(second.events, 'tools.protocol')).toEqual([expect.objectContaining({ protocol: 'text', source: 'remembered' })]);
  });

  it('a remembered "native" that the server now refuses: the turn runs again as text, the answer is replaced, the session passes', async () => {
    const { repo, home } = makeRepo();
    writeToolSupport(appPaths(home).toolSupport, toolSupportKey({ kind: 'url', url: server.url, model: null }), {
      protocol: 'native',
      reason: 'the server answered with tool_calls',
      probedAt: Date.now(),
    });
    await script({ tools: 'reject', coder: [{ content: FIX }], ...PASS });
    const { events, summary } = await runTask(repo, home);
    expect(summary).toMatchObject({ status: 'passed', attempts: 1 });
    expect(byType(events, 'tools.protocol').map((e) => [e['protocol'], e['source']])).toEqual([
      ['native', 'remembered'],
      ['text', 'refused'],
    ]);
    expect(byType(events, 'turn.retry')).toEqual([
      expect.objectContaining({ persona: 'coder', reason: expect.stringContaining('refused tools') }),
    ]);
    // The refused request offered tools; its retry and the Sheriff's turn did not.
    expect((await server.requests()).map((r) => [r.persona, r.tools === null])).toEqual([
      ['coder', false],
      ['coder', true],
      ['sheriff', true],
    ]);
    expect(toolSupportFile(home)).toMatchObject({
      entries: {
        [`${server.url} (default model)`]: { protocol: 'text', reason: expect.stringContaining('refused a turn that offered tools') },
      },
    });
  });
});

describe('the OpenAI client and the scripted server on tool calls', () => {
  it('reads streamed tool_calls deltas back into whole calls; the non-streaming reply carries message.tool_calls', async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mlxf-native-tools-'));
    const calls = [
      { name: 'read_file', arguments: { path: 'a.py', start_line: 1, end_line: 9 }, id: 'c1' },
      { name: 'search_code', arguments: { pattern: 'x\\s+=' }, id: 'c2' },
    ];
    await script({ coder: [{ content: 'Looking.', toolCalls: calls, times: 2 }] });
    const model = new OpenAiChatModel({ baseUrl: server.url, timeoutMs: 30_000 });
    const messages = [
      { role: 'system', content: 'You are the Coder.' },
      { role: 'user', content: 'Fix it.' },
    ] as const;
    const reply = await model.chat({ messages, maxTokens: 100, temperature: 0, tools: CODER_TOOLS });
    expect(reply.content).toBe('Looking.');
    expect(reply.finishReason).toBe('tool_calls');
    expect(reply.toolCalls).toEqual([
      { id: 'c1', name: 'read_file', arguments: '{"path":"a.py","start_line":1,"end_line":9}' },
      { id: 'c2', name: 'search_code', arguments: '{"pattern":"x\\\\s+="}' },
    ]);

    const whole = await fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ messages, tools: CODER_TOOLS, stream: false }),
    });
    const body = (await whole.json()) as { choices: { finish_reason: string; message: Record<string, unknown> }[] };
    expect(body.choices[0]?.finish_reason).toBe('tool_calls');
    expect(body.choices[0]?.message).toEqual({
      role: 'assistant',
      content: 'Looking.',
      tool_calls: [
        { id: 'c1', type: 'function', function: { name: 'read_file', arguments: '{"path":"a.py","start_line":1,"end_line":9}' } },
        { id: 'c2', type: 'function', function: { name: 'search_code', arguments: '{"pattern":"x\\\\s+="}' } },
      ],
    });
  });

  it('a 400 to a request with tools is LLM_TOOLS_REJECTED; the same request without tools is answered', async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mlxf-native-tools-'));
    await script({ tools: 'reject', coder: [{ content: 'Hello.' }] });
    const model = new OpenAiChatModel({ baseUrl: server.url, timeoutMs: 30_000 });
    const messages = [{ role: 'system', content: 'You are the Coder.' }] as const;
    await expect(model.chat({ messages, maxTokens: 10, temperature: 0, tools: CODER_TOOLS })).rejects.toMatchObject({
      code: 'LLM_TOOLS_REJECTED',
    });
    expect((await model.chat({ messages, maxTokens: 10, temperature: 0 })).content).toBe('Hello.');
  });
});
