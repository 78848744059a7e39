import { describe, expect, it } from 'vitest';
import { isCredentialName, scrubEnvironment } from '../../src/sandbox/scrub-env.js';

describe('scrubEnvironment', () => {
  const parent: NodeJS.ProcessEnv = {
    PATH: '/usr/bin:/bin',
    HOME: '/home/me',
    LANG: 'en_US.UTF-8',
    LC_ALL: 'en_US.UTF-8',
    TERM: 'xterm-256color',
    TMPDIR: '/tmp',
    USER: 'me',
    SHELL: '/bin/zsh',
    PYTHONUNBUFFERED: '1',
    PYTHONDONTWRITEBYTECODE: '1',
    VIRTUAL_ENV: '/home/me/venv',
    NODE_OPTIONS: '--require /evil.js',
    PYTHONPATH: '/somewhere',
    LD_PRELOAD: '/evil.so',
    EDITOR: 'vim',
    MY_API_TOKEN: 'secret',
    OPENAI_API_KEY: 'sk-1',
    SSH_AUTH_SOCK: '/tmp/agent.sock',
    LC_SECRET_THING: 'leak', // allow-listed prefix, credential name
    UNSET: undefined,
  };

  it('keeps exactly the allow-listed variables of the parent', () => {
    expect(scrubEnvironment(parent)).toEqual({
      PATH: '/usr/bin:/bin',
      HOME: '/home/me',
      LANG: 'en_US.UTF-8',
      LC_ALL: 'en_US.UTF-8',
      TERM: 'xterm-256color',
      TMPDIR: '/tmp',
      USER: 'me',
      SHELL: '/bin/zsh',
      PYTHONUNBUFFERED: '1',
      PYTHONDONTWRITEBYTECODE: '1',
      VIRTUAL_ENV: '/home/me/venv',
    });
  });

  it('takes extras as given, over the parent, but never credentials', () => {
    const env = scrubEnvironment(parent, {
      PATH: '/venv/bin:/usr/bin',
      FOO: 'bar',
      GIT_AUTHOR_NAME: 'Coder',
      MY_API_TOKEN: 'x',
      GITHUB_TOKEN: 'x',
      GH_HOST: 'x',
      AWS_REGION: 'x',
      ANTHROPIC_BASE_URL: 'x',
      HF_TOKEN: 'x',
      NPM_TOKEN: 'x',
      db_password: 'x',
      GOOGLE_APPLICATION_CREDENTIALS: 'x',
      GCP_PROJECT: 'x',
      AZURE_CLIENT_ID: 'x',
      SSH_AGENT_PID: 'x',
      DATABASE_URL: 'postgres://user:hunter2@db/app',
      PLAIN_URL: 'https://example.org/x',
    });
    expect(env.PATH).toBe('/venv/bin:/usr/bin');
    expect(env.FOO).toBe('bar');
    expect(env.GIT_AUTHOR_NAME).toBe('Coder');
    expect(env.PLAIN_URL).toBe('https://example.org/x');
    for (const name of [
      'MY_API_TOKEN',
      'GITHUB_TOKEN',
      'GH_HOST',
      'AWS_REGION',
      'ANTHROPIC_BASE_URL',
      'HF_TOKEN',
      'NPM_TOKEN',
      'db_password',
      'GOOGLE_APPLICATION_CREDENTIALS',
      'GCP_PROJECT',
      'AZURE_CLIENT_ID',
      'SSH_AGENT_PID',
      'DATABASE_URL',
      'NODE_OPTIONS',
      'LC_SECRET_THING',
    ]) {
      expect(env, name).not.toHaveProperty(name);
    }
  });

  it('an extra credential also removes the parent variable of that name', () => {
    expect(scrubEnvironment({ TMPDIR: '/tmp' }, { TMPDIR: 'https://u:p@host/' })).not.toHaveProperty('TMPDIR');
  });

  it('does not mutate its inputs', () => {
    const env = { ...parent };
    const extra = { FOO: 'bar', SECRET: 'x' };
    scrubEnvironment(env, extra);
    expect(env).toEqual(parent);
    expect(extra).toEqual({ FOO: 'bar', SECRET: 'x' });
  });

  it('recognises credential names case-insensitively', () => {
    for (const name of [
      'api_key',
      'Slack_Token',
      'AWS_PROFILE',
      'GCLOUD_PROJECT',
      'OPENAI_ORG',
      'MY_PASSWD',
      'x_credentials',
      'HTTP_AUTHORIZATION',
    ]) {
      expect(isCredentialName(name), name).toBe(true);
    }
    for (const name of ['PATH', 'HOME', 'LANG', 'GIT_AUTHOR_EMAIL', 'PYTHONUNBUFFERED', 'VIRTUAL_ENV']) {
      expect(isCredentialName(name), name).toBe(false);
    }
  });
});
