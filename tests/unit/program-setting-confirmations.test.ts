import { describe, expect, it } from 'vitest';
import { ProgramSettingConfirmations } from '../../src/host/program-setting-confirmations.js';

/** The one-time tokens behind `config.write` of settings that run programs (#19 item 11). */
describe('program setting confirmations', () => {
  it('a token is for one key and one value, once, for five minutes', () => {
    let now = 1_000;
    const confirmations = new ProgramSettingConfirmations(() => now);
    const code = (error: unknown): string | undefined => (error as { code?: string }).code;
    const refused = (run: () => void): string | undefined => {
      try {
        run();
        return undefined;
      } catch (error) {
        return code(error);
      }
    };
    const token = confirmations.issue('server.python', '/usr/bin/python3');
    expect(refused(() => confirmations.consume({ server: { python: '/usr/bin/python3' } }, { 'workspace.setup': token }))).toBe(
      'CONFIRMATION_REQUIRED',
    );
    const second = confirmations.issue('server.python', '/usr/bin/python3');
    expect(refused(() => confirmations.consume({ server: { python: '/usr/bin/python3' } }, { 'server.python': second }))).toBeUndefined();
    expect(refused(() => confirmations.consume({ server: { python: '/usr/bin/python3' } }, { 'server.python': second }))).toBe(
      'CONFIRMATION_REQUIRED',
    );
    const late = confirmations.issue('workspace.setup', 'npm ci');
    now += 5 * 60_000;
    expect(refused(() => confirmations.consume({ workspace: { setup: 'npm ci' } }, { 'workspace.setup': late }))).toBe(
      'CONFIRMATION_REQUIRED',
    );
    // Removing a program setting, or any other key, needs nothing.
    expect(refused(() => confirmations.consume({ workspace: { setup: null }, agent: { max_attempts: 2 } }))).toBeUndefined();
  });

  it('the refusal names every unconfirmed key', () => {
    const confirmations = new ProgramSettingConfirmations();
    expect(() => confirmations.consume({ workspace: { editor: ['code'], setup: 'make' } })).toThrow(
      /workspace\.editor, workspace\.setup run programs/,
    );
  });
});
