// vitest setupFiles: when a test fails, every page the e2e harness has open is saved as a
// screenshot (test-results/screenshots/failed-…), so a failure in CI shows what the page said.
// Pages register here (tests/e2e/support/ui-harness.ts); this file loads no browser code itself.
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach } from 'vitest';

const SCREENSHOT_DIR = fileURLToPath(new URL('../../test-results/screenshots/', import.meta.url));

interface Shootable {
  screenshot(options: { path: string }): Promise<unknown>;
  isClosed(): boolean;
}

const open = new Set<Shootable>();

export function registerPageForFailures(page: Shootable): void {
  open.add(page);
}

afterEach(async (context) => {
  if (context.task.result?.state !== 'fail' || open.size === 0) return;
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const name = context.task.name.replace(/[^A-Za-z0-9]+/g, '-').slice(0, 80);
  let index = 0;
  for (const page of open) {
    if (page.isClosed()) {
      open.delete(page);
      continue;
    }
    index += 1;
    await page.screenshot({ path: `${SCREENSHOT_DIR}failed-${name}-${index}.png` }).catch(() => undefined);
  }
});
