// vitest setupFiles: when a test fails, every page the e2e harness has open is saved as a
// screenshot (test-results/screenshots/failed-…), so a failure in CI shows what the page said.
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach } from 'vitest';
import { openPages } from './open-pages.js';

const SCREENSHOT_DIR = fileURLToPath(new URL('../../test-results/screenshots/', import.meta.url));

afterEach(async (context) => {
  if (context.task.result?.state !== 'fail' || openPages.size === 0) return;
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const name = context.task.name.replace(/[^A-Za-z0-9]+/g, '-').slice(0, 80);
  let index = 0;
  for (const page of openPages) {
    if (page.isClosed()) {
      openPages.delete(page);
      continue;
    }
    index += 1;
    await page.screenshot({ path: `${SCREENSHOT_DIR}failed-${name}-${index}.png` }).catch(() => undefined);
  }
});
