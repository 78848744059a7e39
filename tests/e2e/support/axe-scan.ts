// Runs axe-core (the accessibility engine) inside a page and returns its serious and critical
// violations. The engine is loaded through page.evaluate (a DevTools call, so the page's strict
// CSP, which blocks inline scripts, does not stop it) from the installed `axe-core` package, or
// from MLXF_AXE_CORE (a path to axe.min.js) when set.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

export interface AxeFinding {
  readonly id: string;
  readonly impact: string;
  readonly help: string;
  /** CSS selectors of the offending elements, with axe's one-line reason for the first few. */
  readonly nodes: readonly string[];
}

function axeSource(): string {
  const fromEnv = process.env['MLXF_AXE_CORE'];
  if (fromEnv !== undefined && fromEnv !== '') return fs.readFileSync(fromEnv, 'utf8');
  try {
    return fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  } catch {
    throw new Error('Missing test dependency: axe-core (a devDependency). Run `npm install`.');
  }
}

let cached: string | null = null;

/** Rules that fail whatever impact axe gives them: every view has one main landmark and an h1, and no role where HTML forbids it. */
const ALWAYS_FAIL: readonly string[] = [
  'landmark-one-main',
  'page-has-heading-one',
  'aria-allowed-role',
  'landmark-unique',
  'nested-interactive',
];

/** Serious and critical violations of WCAG 2.x A/AA and axe's best practices on the page as it is now, plus ALWAYS_FAIL's at any impact. */
export async function seriousViolations(page: Page, options: { exclude?: readonly string[] } = {}): Promise<AxeFinding[]> {
  cached ??= axeSource();
  const loaded = await page.evaluate(() => typeof (window as unknown as { axe?: unknown }).axe !== 'undefined');
  if (!loaded) await page.evaluate(cached);
  const exclude = options.exclude ?? [];
  return page.evaluate(
    async ({ excluded, always }) => {
      interface AxeNode {
        target: unknown[];
        failureSummary?: string;
      }
      interface AxeResult {
        id: string;
        impact: string | null;
        help: string;
        nodes: AxeNode[];
      }
      const axe = (window as unknown as { axe: { run(context: unknown, options: unknown): Promise<{ violations: AxeResult[] }> } }).axe;
      const context = excluded.length > 0 ? { exclude: excluded.map((s) => [s]) } : document;
      const result = await axe.run(context, {
        resultTypes: ['violations'],
        runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
      });
      return result.violations
        .filter((v) => v.impact === 'serious' || v.impact === 'critical' || always.includes(v.id))
        .map((v) => ({
          id: v.id,
          impact: v.impact ?? '',
          help: v.help,
          nodes: v.nodes
            .slice(0, 6)
            .map((n) => `${JSON.stringify(n.target)} — ${(n.failureSummary ?? '').replace(/\s+/g, ' ').slice(0, 240)}`),
        }));
    },
    { excluded: exclude, always: ALWAYS_FAIL },
  );
}

/** A readable report for a failed expectation. */
export function describeFindings(view: string, findings: readonly AxeFinding[]): string {
  return findings.map((f) => `${view}: [${f.impact}] ${f.id} — ${f.help}\n  ${f.nodes.join('\n  ')}`).join('\n');
}
