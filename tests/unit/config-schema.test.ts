import { describe, expect, it } from 'vitest';
import { agentConfigSchema, defaultConfig, factoryConfigSchema } from '../../src/config/config-schema.js';

describe('defaultConfig', () => {
  it("has the seed's defaults", () => {
    const config = defaultConfig();
    expect(config.server).toMatchObject({ model: 'mlx-community/Qwen2.5-Coder-7B-Instruct-4bit', host: '127.0.0.1', port: 8080 });
    expect(config.agent).toMatchObject({
      max_attempts: 5,
      execution_timeout: 60,
      llm_timeout: 120,
      max_tokens_per_turn: 8192,
      total_token_budget: 100_000,
      temperature: 0,
      stagnation_threshold: 3,
    });
  });

  it('has our own defaults for the keys the seed did not have', () => {
    const config = defaultConfig();
    expect(config.agent.max_prompt_tokens).toBe(6000);
    expect(config.agent.llm_concurrency).toBe('auto');
    expect(config.server).toMatchObject({ draft_model: null, num_draft_tokens: 3, model_dirs: [], memory_floor_gb: null });
    expect(config.server.python).toBeNull();
    expect(config.workspace).toEqual({ setup: null, include: [], editor: null, run: null });
    expect(config.sandbox).toEqual({ require: false, max_memory_mb: null, max_processes: 512 });
  });

  it('returns a fresh object each time', () => {
    const a = defaultConfig();
    a.workspace.include.push('.env');
    expect(defaultConfig().workspace.include).toEqual([]);
  });
});

describe('factoryConfigSchema', () => {
  it('fills a partial section with defaults', () => {
    const config = factoryConfigSchema.parse({ agent: { max_attempts: 2 } });
    expect(config.agent.max_attempts).toBe(2);
    expect(config.agent.execution_timeout).toBe(60);
    expect(config.server.port).toBe(8080);
  });

  it('keeps 0 as a real value, not "unset" (the seed treated 0 as unset)', () => {
    expect(factoryConfigSchema.parse({ agent: { temperature: 0 } }).agent.temperature).toBe(0);
    expect(factoryConfigSchema.parse({ server: { idle_unload_minutes: 0 } }).server.idle_unload_minutes).toBe(0);
  });

  it('accepts fractional timeouts and temperature', () => {
    const agent = agentConfigSchema.parse({ execution_timeout: 0.5, llm_timeout: 1.5, temperature: 0.7 });
    expect(agent).toMatchObject({ execution_timeout: 0.5, llm_timeout: 1.5, temperature: 0.7 });
  });

  it.each([
    [{ agent: { max_attempts: 0 } }, 'agent.max_attempts'],
    [{ agent: { max_attempts: 2.5 } }, 'agent.max_attempts'],
    [{ agent: { max_attempts: '5' } }, 'agent.max_attempts'],
    [{ agent: { execution_timeout: 0 } }, 'agent.execution_timeout'],
    [{ agent: { temperature: -0.1 } }, 'agent.temperature'],
    [{ agent: { temperature: 2.5 } }, 'agent.temperature'],
    [{ agent: { stagnation_threshold: 1 } }, 'agent.stagnation_threshold'],
    [{ agent: { max_prompt_tokens: 100 } }, 'agent.max_prompt_tokens'],
    [{ agent: { llm_concurrency: 0 } }, 'agent.llm_concurrency'],
    [{ agent: { llm_concurrency: 'many' } }, 'agent.llm_concurrency'],
    [{ server: { port: 0 } }, 'server.port'],
    [{ server: { port: 65536 } }, 'server.port'],
    [{ server: { model: '' } }, 'server.model'],
    [{ workspace: { include: '.env' } }, 'workspace.include'],
    [{ sandbox: { require: 'yes' } }, 'sandbox.require'],
    [{ sandbox: { max_memory_mb: 1 } }, 'sandbox.max_memory_mb'],
    [{ sandbox: { max_processes: 'many' } }, 'sandbox.max_processes'],
    [{ agent: { maxAttempts: 3 } }, 'agent'],
    [{ workspace_dir: 'out' }, ''],
  ])('rejects %j', (input, key) => {
    const result = factoryConfigSchema.safeParse(input);
    expect(result.success).toBe(false);
    const paths = result.error?.issues.map((issue) => issue.path.join('.')) ?? [];
    expect(paths).toContain(key);
  });
});
