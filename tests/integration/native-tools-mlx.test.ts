// #17 part 5 against the REAL mlx_lm.server (the app's own, supervised) serving the tiny local model.
// mlx_lm.server never refuses `tools`: it hands them to the chat template and parses tool calls out of
// the reply only when the tokenizer has a tool parser. The tiny model's template ignores tools and it
// always answers "Hello from the tiny model!", so the probe's answer is definite: the text protocol,
// remembered under the model's name (no second probe). The server also takes the messages a native
// round sends back (assistant tool_calls and `tool` answers). Fails (does not skip) when the test
// dependencies are missing.
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config/config-schema.js';
import { createMlxSupervisor } from '../../src/server/create-mlx-supervisor.js';
import { SupervisedChatModel } from '../../src/server/supervised-chat-model.js';
import { CODER_TOOLS } from '../../src/agents/native-tools.js';
import { readToolSupport } from '../../src/llm/tool-support-cache.js';
import { chooseToolProtocol } from '../../src/llm/tool-support.js';
import { mlxServerEnv, testDeps, tinyModelInfo } from '../support/test-deps.js';
import { cleanupAll, freePort, tempDir, track } from './server-support.js';

afterEach(cleanupAll);

describe('tool support of the real mlx_lm.server with the tiny model', () => {
  it('the probe gets a definite answer (text: tools accepted, none called), remembered by model; a native round is accepted', async () => {
    const deps = testDeps();
    const info = tinyModelInfo(deps);
    const home = tempDir('native-tools-mlx-');
    const base = defaultConfig();
    const { supervisor } = createMlxSupervisor({
      config: { ...base, server: { ...base.server, model: deps.model, python: deps.python, port: await freePort() } },
      home,
      env: mlxServerEnv(),
      supervisor: { stopGraceMs: 3000, restart: { baseDelayMs: 200 } },
    });
    track(supervisor);
    const model = new SupervisedChatModel(supervisor, { timeoutMs: 60_000 });
    const cache = path.join(home, 'tool-support.json');

    const first = await chooseToolProtocol(model, cache);
    expect(first).toEqual({
      protocol: 'text',
      source: 'probed',
      reason: 'the server accepted tools but the reply called none (it ignores them, or the model cannot use them)',
    });
    expect(readToolSupport(cache, `mlx_lm.server ${deps.model}`)?.protocol).toBe('text');
    expect(await chooseToolProtocol(model, cache)).toMatchObject({ protocol: 'text', source: 'remembered' });

    // A request with tools, an assistant tool call and a tool answer is served like any other.
    const reply = await model.chat({
      messages: [
        { role: 'system', content: 'You are the Coder.' },
        { role: 'user', content: 'Fix it.' },
        { role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 'list_files', arguments: '{"dir": "."}' }] },
        { role: 'tool', toolCallId: 'c1', content: '1 tracked files under the repository:\na.py (10 B)' },
      ],
      maxTokens: 50,
      temperature: 0,
      tools: CODER_TOOLS,
    });
    expect(reply.content).toBe(info.reply);
    expect(reply.toolCalls ?? []).toEqual([]);
    expect(reply.finishReason).toBe('stop');
  });
});
