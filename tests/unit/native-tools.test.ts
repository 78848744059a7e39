import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CODER_TOOLS, parseLeakedToolCalls, parseNativeToolCall } from '../../src/agents/native-tools.js';
import { ToolCallAccumulator } from '../../src/llm/tool-call-deltas.js';
import { readToolSupport, TOOL_SUPPORT_MAX_AGE_MS, toolSupportKey, writeToolSupport } from '../../src/llm/tool-support-cache.js';
import { chooseToolProtocol } from '../../src/llm/tool-support.js';
import type { ChatModel, ChatTurnRequest, ChatTurnResult } from '../../src/llm/llm-types.js';
import { FactoryError } from '../../src/errors/factory-error.js';
import { waitFor } from '../support/wait-for.js';

describe('native tool calls: arguments are hostile', () => {
  const call = (name: string, args: unknown) =>
    parseNativeToolCall({ name, arguments: typeof args === 'string' ? args : JSON.stringify(args) });

  it('offers exactly READ, SEARCH and LIST (edits stay text)', () => {
    expect(CODER_TOOLS.map((t) => (t as { function: { name: string } }).function.name)).toEqual(['read_file', 'search_code', 'list_files']);
  });

  it('maps valid calls to the same requests as the text lines', () => {
    expect(call('read_file', { path: 'src/a.py' })).toEqual({ ok: true, request: { kind: 'read', path: 'src/a.py' } });
    expect(call('read_file', { path: 'a.py', start_line: 30, end_line: 10 })).toEqual({
      ok: true,
      request: { kind: 'read', path: 'a.py', range: { start: 10, end: 30 } },
    });
    expect(call('read_file', { path: 'a.py', start_line: 50 })).toEqual({
      ok: true,
      request: { kind: 'read', path: 'a.py', range: { start: 50, end: 249 } },
    });
    expect(call('search_code', { pattern: 'def \\w+', glob: '*.py' })).toEqual({
      ok: true,
      request: { kind: 'search', pattern: 'def \\w+', glob: '*.py' },
    });
    expect(call('list_files', {})).toEqual({ ok: true, request: { kind: 'list', dir: '' } });
    expect(call('list_files', { dir: './' })).toEqual({ ok: true, request: { kind: 'list', dir: '' } });
    expect(call('list_files', { dir: 'pkg/' })).toEqual({ ok: true, request: { kind: 'list', dir: 'pkg' } });
    // Extra keys a model adds are dropped, not refused.
    expect(call('list_files', { dir: 'pkg', reason: 'look' })).toEqual({ ok: true, request: { kind: 'list', dir: 'pkg' } });
    expect(call('list_files', '')).toEqual({ ok: true, request: { kind: 'list', dir: '' } });
  });

  it('refuses paths out of the worktree, into .git, look-alike characters, git pathspec magic and control characters', () => {
    for (const [name, args] of [
      ['read_file', { path: '../secret' }],
      ['read_file', { path: '/etc/passwd' }],
      ['read_file', { path: '.git/config' }],
      ['read_file', { path: 'a\uff0fb.py' }],
      ['read_file', { path: 'a\u202eb.py' }],
      ['list_files', { dir: '../..' }],
      ['search_code', { pattern: 'x', glob: ':(top)*' }],
      ['search_code', { pattern: 'a\u0000b' }],
    ] as const)
      expect(call(name, args), `${name} ${JSON.stringify(args)}`).toMatchObject({ ok: false });
  });

  it('refuses wrong types, oversize values, unknown tools and broken JSON', () => {
    expect(call('read_file', { path: 42 })).toMatchObject({ ok: false, reason: expect.stringContaining('(path)') });
    expect(call('read_file', {})).toMatchObject({ ok: false });
    expect(call('read_file', { path: 'a.py', start_line: 0 })).toMatchObject({ ok: false });
    expect(call('read_file', { path: 'a.py', start_line: 1.5 })).toMatchObject({ ok: false });
    expect(call('read_file', { path: 'x'.repeat(2000) })).toMatchObject({ ok: false });
    expect(call('search_code', { pattern: '' })).toMatchObject({ ok: false });
    expect(call('read_file', ['a.py'])).toMatchObject({ ok: false });
    expect(call('read_file', { path: 'a'.repeat(5000) })).toEqual({ ok: false, reason: 'the arguments are longer than 4096 characters' });
    expect(call('read_file', '{"path": "a.py"')).toEqual({ ok: false, reason: 'the arguments are not valid JSON' });
    expect(call('write_file', { path: 'a.py', content: 'x' })).toMatchObject({
      ok: false,
      reason: expect.stringContaining('there is no tool "write_file"'),
    });
    expect(call('__proto__', {})).toMatchObject({ ok: false });
  });
});

describe('tool calls leaked into the text', () => {
  it("reads Qwen's <tool_call> blocks of our tools and leaves the rest of the text", () => {
    const text =
      'Let me look.\n<tool_call>\n{"name": "read_file", "arguments": {"path": "a.py"}}\n</tool_call>\n<tool_call>{"name":"list_files","arguments":"{\\"dir\\": \\"src\\"}"}</tool_call>';
    expect(parseLeakedToolCalls(text)).toEqual({
      calls: [
        { name: 'read_file', arguments: '{"path":"a.py"}' },
        { name: 'list_files', arguments: '{"dir": "src"}' },
      ],
      rest: 'Let me look.',
    });
  });

  it('takes at most 32 calls written as text (as many as streamed ones), the rest left as text', () => {
    const block = (i: number) => `<tool_call>{"name": "read_file", "arguments": {"path": "f${i}.py"}}</tool_call>`;
    const parsed = parseLeakedToolCalls(Array.from({ length: 100 }, (_, i) => block(i)).join('\n'));
    expect(parsed.calls).toHaveLength(32);
    expect(parsed.calls.at(-1)).toEqual({ name: 'read_file', arguments: '{"path":"f31.py"}' });
    expect(parsed.rest.startsWith(block(32))).toBe(true);
  });

  it('reads an unclosed last call (the reply ran out) and `parameters` for `arguments`', () => {
    expect(parseLeakedToolCalls('<tool_call>\n{"name": "search_code", "parameters": {"pattern": "foo"}}')).toEqual({
      calls: [{ name: 'search_code', arguments: '{"pattern":"foo"}' }],
      rest: '',
    });
  });

  it('leaves foreign tools, broken JSON and plain text where they are', () => {
    for (const text of [
      'no calls here',
      '<tool_call>{"name": "write_file", "arguments": {"path": "a.py"}}</tool_call>',
      '<tool_call>{"name": "read_file", "arguments": </tool_call>',
      '<tool_call>["read_file"]</tool_call>',
    ])
      expect(parseLeakedToolCalls(text)).toEqual({ calls: [], rest: text });
  });
});

describe('streamed tool_calls deltas', () => {
  it('joins the pieces of each call by index, in index order', () => {
    const acc = new ToolCallAccumulator();
    acc.add([{ index: 1, id: 'b', type: 'function', function: { name: 'list_files', arguments: '' } }]);
    acc.add([{ index: 0, id: 'a', type: 'function', function: { name: 'read_file', arguments: '{"pa' } }]);
    acc.add([{ index: 0, function: { arguments: 'th": "x.py"}' } }]);
    acc.add([{ index: 1, function: { arguments: '{}' } }]);
    expect(acc.calls()).toEqual([
      { id: 'a', name: 'read_file', arguments: '{"path": "x.py"}' },
      { id: 'b', name: 'list_files', arguments: '{}' },
    ]);
  });

  it('takes calls without index or id (one delta per call), skips junk, caps the number of calls', () => {
    const acc = new ToolCallAccumulator();
    acc.add([{ function: { name: 'read_file', arguments: '{"path":"a"}' } }]);
    acc.add([{ function: { name: 'list_files', arguments: '{}' } }]);
    acc.add('not an array');
    acc.add([null, 42, { index: -1 }, { index: 3, function: { arguments: 'orphan' } }]);
    expect(acc.calls()).toEqual([
      { id: 'call_0', name: 'read_file', arguments: '{"path":"a"}' },
      { id: 'call_1', name: 'list_files', arguments: '{}' },
    ]);
    const many = new ToolCallAccumulator();
    many.add(Array.from({ length: 100 }, (_, index) => ({ index, function: { name: 'list_files', arguments: '{}' } })));
    expect(many.calls()).toHaveLength(32);
  });
});

describe('what servers answered to tools, remembered in the home', () => {
  const tmp = () => path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'mlxf-tool-support-')), 'tool-support.json');

  it('keys the own server by model, others by URL (without /v1) and model', () => {
    expect(toolSupportKey({ kind: 'mlx_lm.server', url: 'http://127.0.0.1:8080', model: 'm' })).toBe('mlx_lm.server m');
    expect(toolSupportKey({ kind: 'url', url: 'http://h:1/v1/', model: null })).toBe('http://h:1 (default model)');
    expect(toolSupportKey({ kind: 'url', url: 'http://h:1', model: 'qwen' })).toBe('http://h:1 qwen');
  });

  it('keeps an answer for 14 days, rewrites one key without losing the others, and treats a bad file as empty', () => {
    const file = tmp();
    const now = Date.now();
    expect(readToolSupport(file, 'k')).toBeNull();
    writeToolSupport(file, 'k', { protocol: 'native', reason: 'r', probedAt: now });
    writeToolSupport(file, 'other', { protocol: 'text', reason: 'r2', probedAt: now });
    expect(readToolSupport(file, 'k', now)).toEqual({ protocol: 'native', reason: 'r', probedAt: now });
    expect(readToolSupport(file, 'k', now + TOOL_SUPPORT_MAX_AGE_MS + 1)).toBeNull();
    writeToolSupport(file, 'k', { protocol: 'text', reason: 'refused', probedAt: now });
    expect(readToolSupport(file, 'k', now)?.protocol).toBe('text');
    expect(readToolSupport(file, 'other', now)?.protocol).toBe('text');
    for (const junk of [
      'not json',
      '{"version":2,"entries":{}}',
      '{"version":1,"entries":{"k":{"protocol":"maybe","reason":"","probedAt":1}}}',
    ]) {
      fs.writeFileSync(file, junk);
      expect(readToolSupport(file, 'k', now)).toBeNull();
    }
    writeToolSupport(file, 'k', { protocol: 'native', reason: 'again', probedAt: now });
    expect(readToolSupport(file, 'k', now)?.reason).toBe('again');
    // A date in the future (a clock set back, a hand-edited file) is not trusted.
    writeToolSupport(file, 'k', { protocol: 'native', reason: 'later', probedAt: now + 3600_000 });
    expect(readToolSupport(file, 'k', now)).toBeNull();
  });
});

describe('choosing the tool protocol', () => {
  const file = () => path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'mlxf-tool-choice-')), 'tool-support.json');
  const identity = { kind: 'url' as const, url: 'http://h:1', model: 'm' };
  /** A stand-in server: each chat waits until the test answers it (the latest one first) or its signal aborts. */
  function standIn(): { model: ChatModel; asked: number; answer: (result: Partial<ChatTurnResult> | FactoryError) => void } {
    const pending: ((result: Partial<ChatTurnResult> | FactoryError) => void)[] = [];
    const state = {
      asked: 0,
      model: {
        serverIdentity: () => identity,
        chat: (request: ChatTurnRequest) =>
          new Promise<ChatTurnResult>((resolve, reject) => {
            state.asked += 1;
            request.signal?.addEventListener('abort', () => reject(new FactoryError('LLM_CANCELLED', 'cancelled')));
            pending.push((result) =>
              result instanceof FactoryError
                ? reject(result)
                : resolve({ content: '', usage: null, finishReason: 'stop', durationMs: 1, retries: 0, ...result }),
            );
          }),
      } satisfies ChatModel,
      answer: (result: Partial<ChatTurnResult> | FactoryError) => pending.pop()?.(result),
    };
    return state;
  }

  it('asks once for sessions that start together, and remembers the answer', async () => {
    const cache = file();
    const server = standIn();
    const both = Promise.all([chooseToolProtocol(server.model, cache), chooseToolProtocol(server.model, cache)]);
    await waitFor('the probe', () => server.asked === 1);
    server.answer({ toolCalls: [{ id: 'a', name: 'list_files', arguments: '{}' }] });
    expect((await both).map((c) => [c.protocol, c.source])).toEqual([
      ['native', 'probed'],
      ['native', 'probed'],
    ]);
    expect(await chooseToolProtocol(server.model, cache)).toMatchObject({ protocol: 'native', source: 'remembered' });
    expect(server.asked).toBe(1);
  });

  it("a session whose shared probe was cancelled by another session's cancel asks again for itself", async () => {
    const cache = file();
    const server = standIn();
    const cancel = new AbortController();
    const first = chooseToolProtocol(server.model, cache, cancel.signal);
    const second = chooseToolProtocol(server.model, cache);
    await waitFor('the probe', () => server.asked === 1);
    cancel.abort();
    await expect(first).rejects.toMatchObject({ code: 'LLM_CANCELLED' });
    await waitFor('the second probe', () => server.asked === 2);
    server.answer({ content: 'Hello!' });
    expect(await second).toMatchObject({ protocol: 'text', source: 'probed' });
  });

  it('decides nothing on a failed probe, and does not probe a model that is not a server', async () => {
    const cache = file();
    const server = standIn();
    const choice = chooseToolProtocol(server.model, cache);
    await waitFor('the probe', () => server.asked === 1);
    server.answer(new FactoryError('LLM_TIMEOUT', 'too slow'));
    expect(await choice).toMatchObject({
      protocol: 'text',
      source: 'not-probed',
      reason: expect.stringContaining('asked again next session'),
    });
    expect(readToolSupport(cache, toolSupportKey(identity))).toBeNull();
    const plain: ChatModel = { chat: () => Promise.reject(new Error('never asked')) };
    expect(await chooseToolProtocol(plain, cache)).toMatchObject({ protocol: 'text', source: 'not-probed' });
  });
});
