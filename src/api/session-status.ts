import { z } from 'zod';

/** How a run ended (DESIGN.md CLI contract), plus the states a session can be in before and after. */
export const runOutcomeSchema = z.enum(['passed', 'failed', 'stagnated', 'budget_exhausted', 'timeout', 'cancelled', 'error']);
export type RunOutcome = z.infer<typeof runOutcomeSchema>;

export const sessionStateSchema = z.enum([
  'running',
  'interrupted',
  'passed',
  'failed',
  'stagnated',
  'budget_exhausted',
  'timeout',
  'cancelled',
  'error',
  'merged',
  'discarded',
]);
export type SessionState = z.infer<typeof sessionStateSchema>;

export const personaSchema = z.enum(['coder', 'sheriff']);
export type Persona = z.infer<typeof personaSchema>;

export const tokenTotalsSchema = z.object({ prompt: z.int().nonnegative(), completion: z.int().nonnegative() });
export type TokenTotals = z.infer<typeof tokenTotalsSchema>;
