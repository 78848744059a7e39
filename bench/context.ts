/**
 * Prompt tokens per Coder turn over 5 attempts: ours (DESIGN.md's context budgeting) vs a naive agent
 * that replays the whole conversation. Both counted the same way (the scripted server's count,
 * 4 characters a token) from the same real session. Target: attempt 5 ≤ 1.2× attempt 1 and under
 * max_prompt_tokens; the naive history typically reaches ≥ 3×.
 */
import type { SessionEvent } from '../src/api/events.js';
import { CODER_SYSTEM_PROMPT } from '../src/agents/personas.js';
import { OpenAiChatModel } from '../src/llm/openai-chat-model.js';
import { runSandboxed } from '../src/sandbox/index.js';
import { launchSession, prepareSession } from '../src/sessions/start-session.js';
import { startScriptedServer } from '../tests/support/scripted-server/launch.js';
import { makeBenchRepo } from './_fixtures.js';

const ATTEMPTS = 5;
const BUDGET = 6000;

/** A mid-size module the task is about (~300 lines), and a realistic package around it. */
function moduleSource(): string {
  const lines: string[] = ['"""Inventory helpers."""', 'from dataclasses import dataclass', ''];
  for (let i = 0; i < 30; i += 1) {
    lines.push('@dataclass', `class Item${i}:`, '    name: str', '    quantity: int = 0', '');
    lines.push(
      `def restock_${i}(item: Item${i}, amount: int) -> Item${i}:`,
      `    """Adds stock to item ${i}."""`,
      '    item.quantity += amount',
      '    return item',
      '',
    );
  }
  return lines.join('\n');
}

export async function run(): Promise<void> {
  const files: Record<string, string> = { 'inventory/core.py': moduleSource(), 'README.md': '# shop\n' };
  for (let i = 0; i < 60; i += 1) files[`shop/module_${i}.py`] = `def handler_${i}(request):\n    return ${i}\n`;
  const bench = makeBenchRepo('context', files);
  // Each attempt rewrites the whole module (as small models do) and fails with a real traceback.
  const check =
    'from inventory.core import Item0, restock_0\nitem = restock_0(Item0("bolt"), 150)\nassert item.quantity == 99, f"expected 99, got {item.quantity}"\n';
  const coder = Array.from({ length: ATTEMPTS }, (_, i) => ({
    content: `I will fix the restock logic (try ${i + 1}).\n\ninventory/core.py\n\`\`\`python\n${moduleSource().replace('item.quantity += amount', `item.quantity = min(item.quantity + amount, ${100 + i})`)}\n\`\`\`\n\ncheck.py\n\`\`\`python\n${check}\`\`\`\n`,
  }));
  const sheriff = [
    { content: `${'The assertion failed: the quantity after restocking is wrong, so the check exits 1. '.repeat(6)}\nVERDICT: FAIL` },
  ];
  const server = await startScriptedServer({ script: { coder, sheriff } });
  try {
    const prepared = await prepareSession({
      description: 'Make restock_0 in inventory/core.py cap the quantity at 99 and make check.py pass.',
      repo: bench.repo,
      cwd: bench.repo,
      check: 'python3 check.py',
      maxAttempts: ATTEMPTS,
      home: bench.home,
    });
    const events: SessionEvent[] = [];
    await launchSession(prepared, {
      model: new OpenAiChatModel({ baseUrl: server.url, timeoutMs: 60_000 }),
      runCheck: runSandboxed,
      signal: new AbortController().signal,
      onLog: (log) => log.subscribe((e) => events.push(e)),
    });
    const ours = (await server.requests())
      .filter((r) => r.persona === 'coder')
      .map((r) => tokens(r.messages.map((m) => String(m.content))));
    const naive = naivePromptTokens(events, String((await server.requests())[0]?.messages[1]?.content ?? ''));
    const rows = ours.map((t, i) => {
      const n = naive[i] ?? 0;
      return `attempt ${i + 1}   ours ${String(t).padStart(6)} (${ratio(t, ours[0])})   naive ${String(n).padStart(6)} (${ratio(n, naive[0])})`;
    });
    const last = ours.at(-1) ?? 0;
    process.stdout.write(
      [
        `prompt tokens per Coder turn (4 chars/token), max_prompt_tokens ${BUDGET}`,
        ...rows,
        `attempt ${ATTEMPTS} vs attempt 1: ours ${ratio(last, ours[0])} (target ≤ 1.20×, and ≤ budget: ${last <= BUDGET ? 'yes' : 'NO'}), naive ${ratio(naive.at(-1) ?? 0, naive[0])}`,
        '',
      ].join('\n'),
    );
  } finally {
    await server.stop();
    bench.cleanup();
  }
}

/**
 * What a naive agent would send at each Coder turn: the system prompt and first user message, then
 * every earlier reply, check output and Sheriff report appended as conversation.
 */
function naivePromptTokens(events: readonly SessionEvent[], firstUserMessage: string): number[] {
  const conversation: string[] = [CODER_SYSTEM_PROMPT, firstUserMessage];
  const sizes: number[] = [];
  for (const event of events) {
    if (event.type === 'turn.started' && event.persona === 'coder') sizes.push(tokens(conversation));
    if (event.type === 'turn.finished') conversation.push(event.content);
    if (event.type === 'exec.finished') conversation.push(event.output);
  }
  return sizes;
}

function tokens(parts: readonly string[]): number {
  return Math.ceil(parts.reduce((n, p) => n + p.length, 0) / 4);
}

function ratio(value: number, base: number | undefined): string {
  return `${(value / (base ?? 1)).toFixed(2)}×`;
}
