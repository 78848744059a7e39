import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { nextDownload, readPipLine, stripAnsi } from '../../src/server/runtime/pip-progress.js';
import { REQUIREMENTS_ENV, requirementsOverride } from '../../src/server/runtime/requirements-override.js';

// What pip 23 prints through a pipe with FORCE_COLOR=1 (captured from a real install, bar characters kept).
const START = '  Downloading http://127.0.0.1:8765/bigpkg-1.0-py3-none-any.whl (21.0 MB)';
const REDRAW =
  '\u001b[2K     \u001b[91m━━━━━━━━━━━━━━━\u001b[0m\u001b[91m╸\u001b[0m\u001b[90m━━━━━━━━━━━━━━━━━━━━━━━━\u001b[0m \u001b[32m9.3/21.0 MB\u001b[0m \u001b[31m279.9 MB/s\u001b[0m eta \u001b[36m0:00:01\u001b[0m';
const FIRST =
  '\u001b[?25l     \u001b[90m━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━\u001b[0m \u001b[32m0.0/21.0 MB\u001b[0m \u001b[31m?\u001b[0m eta \u001b[36m-:--:--\u001b[0m';

describe('pip progress', () => {
  it('reads the file pip starts, its bar redraws (colours removed) and cached packages', () => {
    expect(stripAnsi(REDRAW)).toBe('     ━━━━━━━━━━━━━━━╸━━━━━━━━━━━━━━━━━━━━━━━━ 9.3/21.0 MB 279.9 MB/s eta 0:00:01');
    const start = readPipLine(START);
    expect(start).toEqual({ starts: { file: 'bigpkg-1.0-py3-none-any.whl', totalBytes: 21e6 }, bar: null, countsAsPackage: true });
    expect(readPipLine(FIRST).bar).toEqual({ doneBytes: 0, totalBytes: 21e6, bytesPerSecond: null });
    expect(readPipLine(REDRAW).bar).toEqual({ doneBytes: 9.3e6, totalBytes: 21e6, bytesPerSecond: 279.9e6 });
    expect(readPipLine('  Using cached mlx_lm-0.32.2-py3-none-any.whl (300 kB)').countsAsPackage).toBe(true);
    expect(readPipLine('Collecting mlx==0.32.4').countsAsPackage).toBe(false);
    expect(readPipLine('Successfully installed bigpkg-1.0')).toEqual({ starts: null, bar: null, countsAsPackage: false });
  });

  it('follows one download from its start through its redraws', () => {
    let download = nextDownload(null, readPipLine(REDRAW));
    expect(download).toBeNull(); // a bar before any "Downloading" names no file
    download = nextDownload(download, readPipLine(START));
    expect(download).toEqual({ file: 'bigpkg-1.0-py3-none-any.whl', doneBytes: 0, totalBytes: 21e6, bytesPerSecond: null });
    download = nextDownload(download, readPipLine(REDRAW));
    expect(download).toEqual({ file: 'bigpkg-1.0-py3-none-any.whl', doneBytes: 9.3e6, totalBytes: 21e6, bytesPerSecond: 279.9e6 });
    expect(nextDownload(download, readPipLine('Installing collected packages: bigpkg'))).toBe(download);
  });
});

describe(REQUIREMENTS_ENV, () => {
  it('unset or blank: the tested set', () => {
    expect(requirementsOverride({})).toBeNull();
    expect(requirementsOverride({ [REQUIREMENTS_ENV]: '  ' })).toBeNull();
  });

  it('takes requirements and existing local wheels', () => {
    const wheel = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'req-override-')), 'x-1.0-py3-none-any.whl');
    fs.writeFileSync(wheel, '');
    expect(requirementsOverride({ [REQUIREMENTS_ENV]: `mlx[cpu]==0.32.4  mlx-lm>=0.30,<0.33\n${wheel}` })).toEqual([
      'mlx[cpu]==0.32.4',
      'mlx-lm>=0.30,<0.33',
      wheel,
    ]);
  });

  it('refuses pip options, URLs, requirement files and wheels that are not there (its entries go to pip argv)', () => {
    for (const entry of [
      '--index-url=http://evil.example/simple',
      '-r',
      '-e.',
      'git+https://x.example/y',
      'relative.whl',
      '/no/such/x-1.0-py3-none-any.whl',
      '/etc/passwd',
    ]) {
      expect(() => requirementsOverride({ [REQUIREMENTS_ENV]: `mlx ${entry}` }), entry).toThrow(
        expect.objectContaining({ code: 'RUNTIME_INSTALL_FAILED', message: expect.stringContaining(`"${entry}"`) as unknown }),
      );
    }
  });
});
