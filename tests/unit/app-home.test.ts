import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { appPaths, resolveAppHome } from '../../src/home/app-home.js';

const HOME = '/Users/ada';

describe('resolveAppHome', () => {
  it('uses MLX_FACTORY_HOME on every platform', () => {
    for (const platform of ['darwin', 'linux', 'win32'] as const) {
      expect(resolveAppHome({ MLX_FACTORY_HOME: '/tmp/factory-home' }, platform, HOME)).toBe('/tmp/factory-home');
    }
  });

  it('resolves a relative MLX_FACTORY_HOME against the working directory', () => {
    expect(resolveAppHome({ MLX_FACTORY_HOME: 'rel/home' }, 'linux', HOME)).toBe(path.resolve('rel/home'));
  });

  it('ignores an empty or blank MLX_FACTORY_HOME', () => {
    expect(resolveAppHome({ MLX_FACTORY_HOME: '' }, 'darwin', HOME)).toBe('/Users/ada/Library/Application Support/MLX Factory');
    expect(resolveAppHome({ MLX_FACTORY_HOME: '   ' }, 'darwin', HOME)).toBe('/Users/ada/Library/Application Support/MLX Factory');
  });

  it('uses Application Support on macOS, whatever XDG says', () => {
    expect(resolveAppHome({}, 'darwin', HOME)).toBe('/Users/ada/Library/Application Support/MLX Factory');
    expect(resolveAppHome({ XDG_DATA_HOME: '/xdg' }, 'darwin', HOME)).toBe('/Users/ada/Library/Application Support/MLX Factory');
  });

  it('uses XDG_DATA_HOME on Linux, else ~/.local/share', () => {
    expect(resolveAppHome({ XDG_DATA_HOME: '/data/xdg' }, 'linux', '/home/ada')).toBe('/data/xdg/mlx-factory');
    expect(resolveAppHome({}, 'linux', '/home/ada')).toBe('/home/ada/.local/share/mlx-factory');
    expect(resolveAppHome({ XDG_DATA_HOME: '' }, 'linux', '/home/ada')).toBe('/home/ada/.local/share/mlx-factory');
    expect(resolveAppHome({}, 'freebsd', '/home/ada')).toBe('/home/ada/.local/share/mlx-factory');
  });

  it('uses APPDATA on Windows', () => {
    expect(resolveAppHome({ APPDATA: '/appdata' }, 'win32', '/home/ada')).toBe(path.join('/appdata', 'MLX Factory'));
    expect(resolveAppHome({}, 'win32', '/home/ada')).toBe(path.join('/home/ada', 'AppData', 'Roaming', 'MLX Factory'));
  });

  it('reads the real environment by default', () => {
    const saved = process.env['MLX_FACTORY_HOME'];
    process.env['MLX_FACTORY_HOME'] = '/tmp/from-env';
    try {
      expect(resolveAppHome()).toBe('/tmp/from-env');
      expect(appPaths().home).toBe('/tmp/from-env');
    } finally {
      if (saved === undefined) delete process.env['MLX_FACTORY_HOME'];
      else process.env['MLX_FACTORY_HOME'] = saved;
    }
  });
});

describe('appPaths', () => {
  it('names the fixed sub-folders of the home', () => {
    expect(appPaths('/h')).toEqual({
      home: '/h',
      sessions: '/h/sessions',
      worktrees: '/h/worktrees',
      scratchRepos: '/h/repos',
      logs: '/h/logs',
      userConfig: '/h/factory.yaml',
      toolSupport: '/h/tool-support.json',
    });
  });
});
