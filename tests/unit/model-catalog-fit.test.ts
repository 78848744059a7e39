import { describe, expect, it } from 'vitest';
import { buildCatalog } from '../../src/server/models/model-catalog.js';

const GB = 1024 ** 3;

describe('the Models table’s fit', () => {
  it('never says "Fits" for a model recommended for more memory than the machine has (one rule with the note)', () => {
    const memory = { totalBytes: 23.5 * GB, availableBytes: 20 * GB };
    const rows = buildCatalog([], memory, 'linux');
    const row = (size: string) => rows.find((m) => m.id.includes(`Coder-${size}-`));
    expect(row('14B')?.note).toContain('needs 32 GB+');
    expect(row('14B')?.fit).toBe('tight');
    expect(row('14B')?.fitMessage).toContain('Recommended for 32 GB+ machines; this one has 23.5 GB');
    expect(row('7B')?.fit).toBe('fits');
    expect(row('32B')?.fit).not.toBe('fits');
    // "Macs" only on a Mac.
    expect(row('7B')?.note).toMatch(/for 16 GB\+ machines$/);
    expect(buildCatalog([], { totalBytes: 64 * GB, availableBytes: 50 * GB }, 'darwin').find((m) => m.id.includes('14B'))).toMatchObject({
      fit: 'fits',
      note: expect.stringMatching(/Macs$/) as string,
    });
  });
});
