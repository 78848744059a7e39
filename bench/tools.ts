/**
 * Prompt tokens per Coder turn when the Coder looks around with SEARCH / LIST / ranged READ, vs the
 * repo map alone (every file's symbols in the prompt so that the Coder could find the function from
 * it). A real session on a generated 300-file repository with the scripted server as the Coder;
 * both counted the same way (4 characters a token, the scripted server's count).
 */
import { buildCoderPrompt } from '../src/agents/coder-prompt.js';
import { rankRepoFiles, renderRepoMap } from '../src/agents/repo-map.js';
import { PromptTokenEstimator } from '../src/agents/token-estimate.js';
import { OpenAiChatModel } from '../src/llm/openai-chat-model.js';
import { runSandboxed } from '../src/sandbox/index.js';
import { launchSession, prepareSession } from '../src/sessions/start-session.js';
import { startScriptedServer } from '../tests/support/scripted-server/launch.js';
import { makeBenchRepo } from './_fixtures.js';

const FILES = 300;
const BUDGET = 6000;
const TARGET = 'pkg/p21/mod_217.py';
const DESCRIPTION = 'apply_discount returns a higher price instead of a discounted one. Fix it.';

function repoFiles(): Record<string, string> {
  const files: Record<string, string> = { 'pkg/__init__.py': '' };
  for (let i = 0; i < FILES; i += 1) {
    const helpers = Array.from(
      { length: 10 },
      (_, k) => `def helper_${i}_${k}(x):\n    y = x * ${k + 1}\n    z = y - ${i}\n    return z + ${k}\n`,
    );
    const target =
      'def apply_discount(price, percent):\n    """The price after a discount of `percent` per cent."""\n    return price + price * percent / 100\n';
    const body = i === 217 ? [...helpers.slice(0, 5), target, ...helpers.slice(5)] : helpers;
    files[`pkg/p${Math.floor(i / 10)}/mod_${i}.py`] = body.join('\n\n');
    files[`pkg/p${Math.floor(i / 10)}/__init__.py`] = '';
  }
  files['check.py'] = 'from pkg.p21.mod_217 import apply_discount\nassert apply_discount(200, 10) == 180\n';
  return files;
}

export async function run(): Promise<void> {
  const files = repoFiles();
  const bench = makeBenchRepo('tools', files);
  const fix = `${TARGET}\n\`\`\`python\n<<<<<<< SEARCH\n    return price + price * percent / 100\n=======\n    return price - price * percent / 100\n>>>>>>> REPLACE\n\`\`\`\n`;
  const coder = [{ content: 'SEARCH def apply_discount\nLIST pkg/p21' }, { content: `READ ${TARGET} 29-36` }, { content: fix }];
  const server = await startScriptedServer({ script: { coder, sheriff: [{ content: 'VERDICT: PASS' }] } });
  try {
    const prepared = await prepareSession({
      description: DESCRIPTION,
      repo: bench.repo,
      cwd: bench.repo,
      check: 'python3 check.py',
      maxAttempts: 1,
      home: bench.home,
    });
    const summary = await launchSession(prepared, {
      model: new OpenAiChatModel({ baseUrl: server.url, timeoutMs: 60_000 }),
      runCheck: runSandboxed,
      signal: new AbortController().signal,
    });
    const withTools = (await server.requests())
      .filter((r) => r.persona === 'coder')
      .map((r) => tokens(r.messages.map((m) => String(m.content))));
    const mapAlone = repoMapAloneTokens(files);
    const mean = withTools.reduce((a, b) => a + b, 0) / Math.max(1, withTools.length);
    process.stdout.write(
      [
        `prompt tokens per Coder turn (4 chars/token), ${FILES}-file repository, max_prompt_tokens ${BUDGET}`,
        `with tools: ${withTools.map((t, i) => `turn ${i + 1} ${t}`).join(', ')} (mean ${mean.toFixed(0)}, max ${Math.max(...withTools)}); session ${summary.state}`,
        `repo map alone (every file's symbols, so the Coder could find apply_discount): ${mapAlone} per turn, ${(mapAlone / mean).toFixed(2)}× the mean with tools; within the budget: ${mapAlone <= BUDGET ? 'yes' : 'NO'}`,
        '',
      ].join('\n'),
    );
  } finally {
    await server.stop();
    bench.cleanup();
  }
}

/** The first Coder prompt with a repo map big enough to name every file's functions. */
function repoMapAloneTokens(files: Readonly<Record<string, string>>): number {
  const ranked = rankRepoFiles(Object.keys(files), DESCRIPTION).map((p) => ({ path: p, content: files[p] ?? null }));
  const map = renderRepoMap(ranked, Number.POSITIVE_INFINITY);
  const prompt = buildCoderPrompt(
    {
      task: { name: 'bench', description: DESCRIPTION, constraints: [], check: null, files: [] },
      checkCommand: 'python3 check.py',
      files: [],
      repoMap: map,
      earlierAttempts: [],
      maxPromptTokens: 10_000_000,
    },
    new PromptTokenEstimator(),
  );
  return tokens(prompt.messages.map((m) => m.content));
}

function tokens(parts: readonly string[]): number {
  return Math.ceil(parts.reduce((n, p) => n + p.length, 0) / 4);
}
