/**
 * Writes the replay slice that `npm test` runs (tests/fixtures/replay/own-history.json): small changes
 * from this project's own history (so nothing foreign is committed), at most PER_LANGUAGE per language,
 * chosen by commit id so the same history gives the same slice. The fixture is data: regenerate it only
 * on purpose, with `node --import tsx tests/support/replay/write-fixture.ts`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { commitGroups } from './commit-source.js';
import { generateReply, SHAPES } from './reply-shapes.js';

const MAX_CHARS = 4000;
const PER_LANGUAGE = 4;
const OUT = path.join('tests', 'fixtures', 'replay', 'own-history.json');

const size = (g: { changes: readonly { before: string | null; after: string }[] }): number =>
  g.changes.reduce((n, c) => n + (c.before?.length ?? 0) + c.after.length, 0);
const eligible = commitGroups(path.resolve('.git'), 'mlx-factory', 1000)
  .filter((g) => size(g) <= MAX_CHARS && SHAPES.every((shape) => generateReply(g.changes, shape).ok))
  .sort((a, b) => a.id.localeCompare(b.id));
const chosen = [...new Set(eligible.map((g) => g.language))]
  .sort()
  .flatMap((language) => eligible.filter((g) => g.language === language).slice(0, PER_LANGUAGE));
const groups = chosen.map(({ id, language, changes }) => ({ id, language, changes }));
fs.mkdirSync(path.dirname(OUT), { recursive: true });
fs.writeFileSync(OUT, `${JSON.stringify({ groups }, null, 2)}\n`);
process.stdout.write(`${groups.length} groups (${groups.length * SHAPES.length} records) written to ${OUT}\n`);
