// Exercises the scripted mlx_lm.server stand-in as a real child process,
// through plain fetch and through the openai client the app itself uses.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import OpenAI, { APIError, APIUserAbortError } from 'openai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  startScriptedServer,
  tokenize,
  type Script,
  type ScriptedServer,
  type StartScriptedServerOptions,
} from '../support/scripted-server/launch.js';
import { waitFor } from '../support/wait-for.js';

const CODER_SYSTEM = 'You are the Coder. Write the program.\nRules follow.';
const SHERIFF_SYSTEM = 'You are the Sheriff. Review the program.';
const CODE_REPLY = 'main.py\n```python\nprint(1)\n```';

type Role = 'system' | 'user' | 'assistant';
interface Message {
  role: Role;
  content: string;
}

function conversation(system: string | undefined, user = 'Write hello world.'): Message[] {
  const messages: Message[] = system === undefined ? [] : [{ role: 'system', content: system }];
  return [...messages, { role: 'user', content: user }];
}

function promptTokensOf(messages: readonly Message[]): number {
  return Math.ceil(messages.reduce((n, m) => n + m.content.length, 0) / 4);
}

function postChat(server: ScriptedServer, body: Record<string, unknown>, signal?: AbortSignal): Promise<Response> {
  return fetch(`${server.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ model: 'test-model', ...body }),
    signal,
  });
}

function clientFor(server: ScriptedServer): OpenAI {
  return new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'x', maxRetries: 0 });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Read a body chunk by chunk, keeping what arrived before any transport error. */
async function readUntilError(response: Response): Promise<{ text: string; error: unknown }> {
  const reader = response.body?.getReader();
  if (!reader) return { text: '', error: new Error('no body') };
  const decoder = new TextDecoder();
  let text = '';
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { text, error: undefined };
      text += decoder.decode(value, { stream: true });
    }
  } catch (error) {
    return { text, error };
  }
}

/** SSE payloads of a complete body: parsed JSON objects plus whether [DONE] came last. */
function parseSse(text: string): { events: Record<string, unknown>[]; done: boolean } {
  const payloads = text
    .split('\n')
    .filter((line) => line.startsWith('data: '))
    .map((line) => line.slice('data: '.length));
  const done = payloads.at(-1) === '[DONE]';
  const events = payloads.filter((p) => p !== '[DONE]').map((p): unknown => JSON.parse(p));
  return { events: events.filter(isRecord), done };
}

function deltaContent(event: Record<string, unknown>): string {
  const choice: unknown = Array.isArray(event.choices) ? event.choices[0] : undefined;
  if (!isRecord(choice) || !isRecord(choice.delta)) return '';
  return typeof choice.delta.content === 'string' ? choice.delta.content : '';
}

// Servers started by a single test; each is stopped after that test.
const dedicated: ScriptedServer[] = [];
async function startDedicated(opts: StartScriptedServerOptions = {}): Promise<ScriptedServer> {
  const server = await startScriptedServer(opts);
  dedicated.push(server);
  return server;
}
afterEach(async () => {
  await Promise.all(dedicated.splice(0).map((s) => s.stop()));
});

describe('scripted server (shared process)', { timeout: 20_000 }, () => {
  let server: ScriptedServer;
  let client: OpenAI;

  beforeAll(async () => {
    server = await startScriptedServer({ model: 'test-model' });
    client = clientFor(server);
  }, 20_000);
  afterAll(async () => {
    await server.stop();
  });
  beforeEach(async () => {
    await server.setScript({});
    await server.clearRequests();
  });

  it('announces its real port and answers /health and /v1/models', async () => {
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    const health = await fetch(`${server.url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const models: unknown = await (await fetch(`${server.url}/v1/models`)).json();
    expect(models).toMatchObject({ object: 'list', data: [{ id: 'test-model', object: 'model' }] });
    const listed = await client.models.list();
    expect(listed.data.map((m) => m.id)).toEqual(['test-model']);
  });

  it('answers non-streaming requests with the mlx_lm shape and usage (fetch)', async () => {
    await server.setScript({ coder: [{ content: CODE_REPLY }] });
    const messages = conversation(CODER_SYSTEM);
    const response = await postChat(server, { messages });
    expect(response.status).toBe(200);
    const body: unknown = await response.json();
    expect(body).toMatchObject({
      object: 'chat.completion',
      model: 'test-model',
      choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: CODE_REPLY } }],
      usage: {
        prompt_tokens: promptTokensOf(messages),
        completion_tokens: tokenize(CODE_REPLY).length,
        total_tokens: promptTokensOf(messages) + tokenize(CODE_REPLY).length,
      },
    });
    expect(isRecord(body) && typeof body.id === 'string' && body.id.startsWith('chatcmpl-')).toBe(true);
    expect(isRecord(body) && Number.isInteger(body.created)).toBe(true);
  });

  it('answers non-streaming requests through the openai client', async () => {
    await server.setScript({ coder: [{ content: CODE_REPLY }] });
    const completion = await client.chat.completions.create({ model: 'test-model', messages: conversation(CODER_SYSTEM) });
    expect(completion.choices[0]?.message.content).toBe(CODE_REPLY);
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    expect(completion.usage?.completion_tokens).toBe(8);
  });

  it('streams tokens that reassemble exactly, then usage and [DONE] (fetch)', async () => {
    await server.setScript({ coder: [{ content: CODE_REPLY }] });
    const messages = conversation(CODER_SYSTEM);
    const response = await postChat(server, { messages, stream: true, stream_options: { include_usage: true } });
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const { events, done } = parseSse(await response.text());
    expect(done).toBe(true);
    const chunks = events.filter((e) => e.object === 'chat.completion.chunk');
    expect(chunks.map(deltaContent).join('')).toBe(CODE_REPLY);
    expect(chunks).toHaveLength(tokenize(CODE_REPLY).length + 1);
    expect(chunks.at(-1)).toMatchObject({ choices: [{ finish_reason: 'stop' }] });
    expect(chunks.at(0)).toMatchObject({ choices: [{ index: 0, delta: { role: 'assistant' }, finish_reason: null }] });
    expect(events.at(-1)).toEqual(
      expect.objectContaining({
        object: 'chat.completion',
        choices: [],
        usage: {
          prompt_tokens: promptTokensOf(messages),
          completion_tokens: 8,
          total_tokens: promptTokensOf(messages) + 8,
          prompt_tokens_details: { cached_tokens: expect.any(Number) },
        },
      }),
    );
  });

  it('omits the usage event without include_usage', async () => {
    await server.setScript({ coder: [{ content: 'abcdefgh' }] });
    const response = await postChat(server, { messages: conversation(CODER_SYSTEM), stream: true });
    const { events, done } = parseSse(await response.text());
    expect(done).toBe(true);
    expect(events.every((e) => e.object === 'chat.completion.chunk')).toBe(true);
    expect(events).toHaveLength(3);
  });

  it('streams through the openai client with include_usage', async () => {
    await server.setScript({ sheriff: [{ content: 'Looks right.\nVERDICT: PASS' }] });
    const stream = await client.chat.completions.create({
      model: 'test-model',
      messages: conversation(SHERIFF_SYSTEM),
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let finish: string | null | undefined;
    let completionTokens: number | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      completionTokens = chunk.usage?.completion_tokens ?? completionTokens;
    }
    expect(text).toBe('Looks right.\nVERDICT: PASS');
    expect(finish).toBe('stop');
    expect(completionTokens).toBe(7);
  });

  it('truncates at max_tokens / max_completion_tokens with finish_reason "length"', async () => {
    await server.setScript({ coder: [{ content: 'one two three four five six' }] });
    const whole = await client.chat.completions.create({
      model: 'test-model',
      messages: conversation(CODER_SYSTEM),
      max_tokens: 3,
    });
    expect(whole.choices[0]?.message.content).toBe('one two thre');
    expect(whole.choices[0]?.finish_reason).toBe('length');
    expect(whole.usage?.completion_tokens).toBe(3);

    const response = await postChat(server, {
      messages: conversation(CODER_SYSTEM),
      stream: true,
      max_completion_tokens: 2,
      stream_options: { include_usage: true },
    });
    const { events } = parseSse(await response.text());
    expect(events.map(deltaContent).join('')).toBe('one two ');
    expect(events.at(-2)).toMatchObject({ choices: [{ finish_reason: 'length' }] });
    expect(events.at(-1)).toMatchObject({ usage: { completion_tokens: 2 } });
  });

  it('routes by the persona named on the first line of the first system message', async () => {
    await server.setScript({
      coder: [{ content: 'from coder' }],
      sheriff: [{ content: 'from sheriff' }],
      other: [{ content: 'from other' }],
    });
    const ask = async (messages: Message[]): Promise<string | null | undefined> =>
      (await client.chat.completions.create({ model: 'm', messages })).choices[0]?.message.content;

    expect(await ask(conversation(CODER_SYSTEM))).toBe('from coder');
    expect(await ask(conversation(SHERIFF_SYSTEM))).toBe('from sheriff');
    expect(await ask(conversation(undefined))).toBe('from other');
    expect(await ask(conversation('You are a helper.\nNot the Coder.'))).toBe('from other'); // second line only
    expect(await ask(conversation('You are one of the Coders.'))).toBe('from other'); // not the word
    expect(await ask(conversation('You are the coder.'))).toBe('from other'); // case-sensitive

    const personas = (await server.requests()).map((r) => r.persona);
    expect(personas).toEqual(['coder', 'sheriff', 'other', 'other', 'other', 'other']);
  });

  it('consumes each queue in order, honours times, and repeats the last reply', async () => {
    await server.setScript({
      coder: [{ content: 'first' }, { content: 'twice', times: 2 }, { content: 'last' }],
      sheriff: [{ content: 'VERDICT: FAIL' }],
    });
    const ask = async (system: string): Promise<string | null | undefined> =>
      (await client.chat.completions.create({ model: 'm', messages: conversation(system) })).choices[0]?.message.content;

    const coderReplies: (string | null | undefined)[] = [];
    for (let i = 0; i < 6; i++) coderReplies.push(await ask(CODER_SYSTEM));
    expect(coderReplies).toEqual(['first', 'twice', 'twice', 'last', 'last', 'last']);
    expect([await ask(SHERIFF_SYSTEM), await ask(SHERIFF_SYSTEM)]).toEqual(['VERDICT: FAIL', 'VERDICT: FAIL']);

    // Replacing the script resets the queues.
    await server.setScript({ coder: [{ content: 'again' }] });
    expect(await ask(CODER_SYSTEM)).toBe('again');
  });

  it('routes a request by the temperature it asks or a text its messages contain, each route with its own queue', async () => {
    await server.setScript({
      coder: [{ content: 'default' }],
      routes: [
        { match: { temperature: 0.3 }, coder: [{ content: 'warm 1' }, { content: 'warm 2' }] },
        { match: { contains: 'task B' }, coder: [{ content: 'for B' }] },
        { match: { contains: 'task B', temperature: 0.8 }, sheriff: [{ content: 'never: the persona has no queue here' }] },
      ],
    });
    const ask = async (temperature: number | undefined, user?: string): Promise<string | null | undefined> =>
      (await client.chat.completions.create({ model: 'm', messages: conversation(CODER_SYSTEM, user), temperature })).choices[0]?.message
        .content;
    expect(await ask(0.3)).toBe('warm 1');
    expect(await ask(0)).toBe('default');
    expect(await ask(undefined, 'Do task B.')).toBe('for B');
    expect(await ask(0.3, 'Do task B.')).toBe('warm 2'); // the first matching route wins
    expect(await ask(0.8, 'Do task B.')).toBe('for B');
    expect((await server.requests()).map((r) => r.temperature)).toEqual([0.3, 0, null, 0.3, 0.8]);
  });

  it('gives an unscripted persona a deterministic fallback reply', async () => {
    const completion = await client.chat.completions.create({ model: 'm', messages: conversation(CODER_SYSTEM) });
    expect(completion.choices[0]?.message.content).toContain('no reply scripted for persona "coder"');
  });

  it('applies usage overrides', async () => {
    await server.setScript({ coder: [{ content: 'abcd', usage: { prompt_tokens: 1000, completion_tokens: 7 } }] });
    const completion = await client.chat.completions.create({ model: 'm', messages: conversation(CODER_SYSTEM) });
    expect(completion.usage).toMatchObject({ prompt_tokens: 1000, completion_tokens: 7, total_tokens: 1007 });
  });

  it('paces tokens at tokensPerSecond (lower bound) and honours delayMs', async () => {
    const tenTokens = 'x'.repeat(40);
    await server.setScript({ coder: [{ content: tenTokens, tokensPerSecond: 20 }] });
    let started = Date.now();
    const response = await postChat(server, { messages: conversation(CODER_SYSTEM), stream: true });
    const { events } = parseSse(await response.text());
    expect(events.map(deltaContent).join('')).toBe(tenTokens);
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);

    started = Date.now();
    const whole = await client.chat.completions.create({ model: 'm', messages: conversation(CODER_SYSTEM) });
    expect(whole.choices[0]?.message.content).toBe(tenTokens);
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);

    await server.setScript({ coder: [{ content: 'hi', delayMs: 300 }] });
    started = Date.now();
    await postChat(server, { messages: conversation(CODER_SYSTEM) });
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
  });

  it('uses script defaults for pacing when a reply does not set it', async () => {
    await server.setScript({ coder: [{ content: 'x'.repeat(24) }], defaults: { tokensPerSecond: 20 } });
    const started = Date.now();
    await (await postChat(server, { messages: conversation(CODER_SYSTEM), stream: true })).text();
    expect(Date.now() - started).toBeGreaterThanOrEqual(5 * 50);
  });

  it('fault drop (streaming): sends some tokens, then the stream errors before [DONE]', async () => {
    await server.setScript({ coder: [{ content: 'aaaabbbbccccdddd', fault: 'drop', faultAfterTokens: 2 }] });
    const response = await postChat(server, { messages: conversation(CODER_SYSTEM), stream: true });
    expect(response.status).toBe(200);
    const { text, error } = await readUntilError(response);
    expect(error).toBeDefined();
    expect(text).toContain('"content":"aaaa"');
    expect(text).toContain('"content":"bbbb"');
    expect(text).not.toContain('cccc');
    expect(text).not.toContain('[DONE]');

    const stream = await client.chat.completions.create({ model: 'm', messages: conversation(CODER_SYSTEM), stream: true });
    let received = '';
    const consume = async (): Promise<void> => {
      for await (const chunk of stream) received += chunk.choices[0]?.delta.content ?? '';
    };
    await expect(consume()).rejects.toThrow();
    expect(received).toBe('aaaabbbb');
  });

  it('fault drop (non-streaming): the socket closes without a response', async () => {
    await server.setScript({ coder: [{ content: 'never', fault: 'drop' }] });
    await expect(postChat(server, { messages: conversation(CODER_SYSTEM) })).rejects.toThrow();
    await expect(client.chat.completions.create({ model: 'm', messages: conversation(CODER_SYSTEM) })).rejects.toThrow();
  });

  it('fault http500: responds 500 with a JSON error', async () => {
    await server.setScript({ coder: [{ content: '', fault: 'http500', times: 2 }, { content: 'recovered' }] });
    const response = await postChat(server, { messages: conversation(CODER_SYSTEM) });
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ error: 'scripted failure' });

    const failed = client.chat.completions.create({ model: 'm', messages: conversation(CODER_SYSTEM) });
    await expect(failed).rejects.toBeInstanceOf(APIError);
    await expect(failed).rejects.toMatchObject({ status: 500 });

    const ok = await client.chat.completions.create({ model: 'm', messages: conversation(CODER_SYSTEM) });
    expect(ok.choices[0]?.message.content).toBe('recovered');
  });

  it('fault hang: never answers until the client aborts', async () => {
    await server.setScript({ coder: [{ content: 'never', fault: 'hang' }] });
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 500);
    const started = Date.now();
    const pending = client.chat.completions.create(
      { model: 'm', messages: conversation(CODER_SYSTEM), stream: true },
      { signal: controller.signal },
    );
    await waitFor('1 active request', async () => (await server.stats()).active === 1);
    await expect(pending).rejects.toBeInstanceOf(APIUserAbortError);
    clearTimeout(timer);
    expect(Date.now() - started).toBeGreaterThanOrEqual(450);
    // The aborted socket closes, so the request is no longer in flight.
    await waitFor('0 active requests', async () => (await server.stats()).active === 0);
  });

  it('fault garbage: 200 with a body that is neither JSON nor SSE', async () => {
    await server.setScript({ coder: [{ content: 'x', fault: 'garbage' }] });
    const whole = await postChat(server, { messages: conversation(CODER_SYSTEM) });
    expect(whole.status).toBe(200);
    await expect(whole.json()).rejects.toThrow();

    const streamed = await postChat(server, { messages: conversation(CODER_SYSTEM), stream: true });
    expect(streamed.status).toBe(200);
    const text = await streamed.text();
    expect(() => parseSse(text)).toThrow();
    expect(text).not.toContain('[DONE]');

    // logLevel off: the client would otherwise log the unparsable payload to stderr.
    const quiet = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'x', maxRetries: 0, logLevel: 'off' });
    await expect(quiet.chat.completions.create({ model: 'm', messages: conversation(CODER_SYSTEM) })).rejects.toThrow();
    const stream = await quiet.chat.completions.create({ model: 'm', messages: conversation(CODER_SYSTEM), stream: true });
    const consume = async (): Promise<void> => {
      for await (const chunk of stream) void chunk;
    };
    await expect(consume()).rejects.toThrow();
  });

  it('records every chat request in order and clears the record', async () => {
    await server.setScript({ coder: [{ content: 'a' }], sheriff: [{ content: 'b' }] });
    const before = Date.now();
    await client.chat.completions.create({ model: 'model-a', messages: conversation(CODER_SYSTEM, 'first'), max_tokens: 9 });
    await (await postChat(server, { messages: conversation(SHERIFF_SYSTEM, 'second'), stream: true })).text();
    // Faulted requests are recorded too.
    await server.setScript({ coder: [{ content: '', fault: 'http500' }] });
    await postChat(server, { messages: conversation(CODER_SYSTEM, 'third') });

    const recorded = await server.requests();
    expect(recorded).toHaveLength(3);
    expect(recorded[0]).toEqual({
      persona: 'coder',
      messages: conversation(CODER_SYSTEM, 'first'),
      stream: false,
      max_tokens: 9,
      model: 'model-a',
      temperature: null,
      tools: null,
      promptTokens: expect.any(Number),
      sharedPrefixTokens: expect.any(Number),
      receivedAt: expect.any(Number),
    });
    expect(recorded[1]).toMatchObject({ persona: 'sheriff', stream: true, max_tokens: null, model: 'test-model' });
    expect(recorded[2]?.messages.at(-1)?.content).toBe('third');
    expect(recorded[0]?.receivedAt).toBeGreaterThanOrEqual(before);
    expect(recorded.map((r) => r.receivedAt)).toEqual([...recorded.map((r) => r.receivedAt)].sort((a, b) => a - b));

    await server.clearRequests();
    expect(await server.requests()).toEqual([]);
  });

  it('counts how much of each prompt repeats the start of an earlier one, and reports it as cached_tokens', async () => {
    const stable = `${'shared context line\n'.repeat(40)}`;
    await server.setScript({ coder: [{ content: 'ok' }] });
    await server.clearRequests();
    const first = await client.chat.completions.create({
      model: 'm',
      messages: conversation(CODER_SYSTEM, `${stable}unique-one ${Date.now()}`),
    });
    const second = await client.chat.completions.create({ model: 'm', messages: conversation(CODER_SYSTEM, `${stable}unique-two`) });
    const recorded = await server.requests();
    // The second prompt repeats the first up to the differing tail; the first repeats only what earlier tests sent.
    expect(recorded[1]?.sharedPrefixTokens).toBeGreaterThan((recorded[1]?.promptTokens ?? 0) * 0.9);
    expect(second.usage).toMatchObject({ prompt_tokens_details: { cached_tokens: recorded[1]?.sharedPrefixTokens } });
    expect(first.usage?.prompt_tokens_details?.cached_tokens).toBe(recorded[0]?.sharedPrefixTokens);
  });

  it('publishes --context-length in /v1/models and cuts a longer prompt to it, as Ollama does', async () => {
    const small = await startScriptedServer({ extraArgs: ['--context-length', '64'], script: { coder: [{ content: 'ok' }] } });
    try {
      const models = (await (await fetch(`${small.url}/v1/models`)).json()) as { data: Record<string, unknown>[] };
      expect(models.data[0]).toMatchObject({ context_length: 64, max_model_len: 64 });
      const smallClient = new OpenAI({ baseURL: `${small.url}/v1`, apiKey: 'x', maxRetries: 0 });
      const reply = await smallClient.chat.completions.create({ model: 'm', messages: conversation(CODER_SYSTEM, 'x'.repeat(4000)) });
      expect(reply.usage?.prompt_tokens).toBe(64);
    } finally {
      await small.stop();
    }
  });

  it('rejects an invalid script with a clear message and keeps the old one', async () => {
    await server.setScript({ coder: [{ content: 'kept' }] });
    const response = await fetch(`${server.url}/__script`, {
      method: 'PUT',
      body: JSON.stringify({ coder: [{ contnt: 'typo' }], shriff: [] }),
    });
    expect(response.status).toBe(400);
    const body: unknown = await response.json();
    const error = isRecord(body) && typeof body.error === 'string' ? body.error : '';
    expect(error).toContain('Invalid scripted-server script');
    expect(error).toContain('contnt');
    expect(error).toContain('shriff');
    const bad: unknown = { coder: [{ content: 1 }] };
    await expect(server.setScript(bad as Script)).rejects.toThrow(/coder/);

    const completion = await client.chat.completions.create({ model: 'm', messages: conversation(CODER_SYSTEM) });
    expect(completion.choices[0]?.message.content).toBe('kept');
  });

  it('answers unknown routes with 404 and malformed chat bodies with 400', async () => {
    expect((await fetch(`${server.url}/v1/nothing`)).status).toBe(404);
    const notJson = await fetch(`${server.url}/v1/chat/completions`, { method: 'POST', body: '{nope' });
    expect(notJson.status).toBe(400);
    const noMessages = await fetch(`${server.url}/chat/completions`, { method: 'POST', body: '{}' });
    expect(noMessages.status).toBe(400);
    expect(await server.requests()).toEqual([]);
  });
});

describe('scripted server (dedicated processes)', { timeout: 20_000 }, () => {
  it('loads a script file, accepts mlx_lm flags and applies --max-tokens', async () => {
    const server = await startDedicated({
      script: { coder: [{ content: 'aaaabbbbcccc' }] },
      extraArgs: [
        '--max-tokens',
        '2',
        '--trust-remote-code',
        '--temp',
        '0.7',
        '--decode-concurrency',
        '4',
        '--chat-template-args',
        '{"enable_thinking":false}',
        '--log-level',
        'INFO',
      ],
    });
    const completion = await clientFor(server).chat.completions.create({ model: 'm', messages: conversation(CODER_SYSTEM) });
    expect(completion.choices[0]?.message.content).toBe('aaaabbbb');
    expect(completion.choices[0]?.finish_reason).toBe('length');
    const models: unknown = await (await fetch(`${server.url}/v1/models`)).json();
    expect(models).toMatchObject({ data: [{ id: 'scripted-model' }] });
  });

  it('refuses an invalid script before spawning', async () => {
    const bad: unknown = { coder: [{ content: 'x', fault: 'explode' }] };
    await expect(startScriptedServer({ script: bad as Script })).rejects.toThrow(/fault/);
  });

  it('fails to start with the child stderr when the script file is invalid', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scripted-bad-'));
    try {
      const path = join(dir, 'bad.json');
      writeFileSync(path, JSON.stringify({ coder: [{ delayMs: -1, content: 'x' }] }));
      await expect(startDedicated({ extraArgs: ['--script', path] })).rejects.toThrow(/did not start[\s\S]*delayMs/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fault die: the process exits with 1 mid-request', async () => {
    const server = await startDedicated({ script: { coder: [{ content: 'bye', fault: 'die' }] } });
    await expect(postChat(server, { messages: conversation(CODER_SYSTEM) })).rejects.toThrow();
    expect(await server.exited).toBe(1);
  });

  it('fault die (streaming): sends faultAfterTokens tokens, then exits', async () => {
    const server = await startDedicated({
      script: { sheriff: [{ content: 'aaaabbbbcccc', fault: 'die', faultAfterTokens: 1 }] },
    });
    const response = await postChat(server, { messages: conversation(SHERIFF_SYSTEM), stream: true });
    // Like a crashed mlx_lm (HTTP/1.0, Connection: close), fetch sees a clean
    // EOF: the only sign of trouble is the missing finish_reason and [DONE].
    const { text, error } = await readUntilError(response);
    expect(error).toBeUndefined();
    expect(parseSse(text).done).toBe(false);
    expect(text).not.toContain('"finish_reason":"stop"');
    expect(text).toContain('"content":"aaaa"');
    expect(text).not.toContain('bbbb');
    expect(await server.exited).toBe(1);
  });

  it('tracks in-flight and maximum concurrent chat requests', async () => {
    const server = await startDedicated({ script: { coder: [{ content: 'x'.repeat(24), tokensPerSecond: 20 }] } });
    expect(await server.stats()).toEqual({ active: 0, maxActive: 0 });
    const bodies = [1, 2, 3].map(async () => (await postChat(server, { messages: conversation(CODER_SYSTEM), stream: true })).text());
    await waitFor('3 active requests', async () => (await server.stats()).active === 3);
    const texts = await Promise.all(bodies);
    expect(texts.every((t) => t.endsWith('data: [DONE]\n\n'))).toBe(true);
    await waitFor('0 active requests', async () => (await server.stats()).active === 0);
    expect(await server.stats()).toEqual({ active: 0, maxActive: 3 });
  });

  it('stop() ends hung requests and the process promptly', async () => {
    const server = await startDedicated({ script: { coder: [{ content: '', fault: 'hang' }] } });
    const hung = postChat(server, { messages: conversation(CODER_SYSTEM) }).catch((error: unknown) => error);
    await waitFor('1 active request', async () => (await server.stats()).active === 1);
    const started = Date.now();
    await server.stop();
    expect(await server.exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(await hung).toBeInstanceOf(Error);
    expect(server.kill()).toBe(false); // already gone
  });

  it('kill(SIGKILL) ends the process by signal', async () => {
    const server = await startDedicated();
    expect(server.pid).toBeGreaterThan(0);
    expect(server.kill('SIGKILL')).toBe(true);
    expect(await server.exited).toBeNull();
  });
});
