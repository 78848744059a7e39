import { z } from 'zod';
import requirementsJson from '../../../resources/python-requirements.json' with { type: 'json' };

/**
 * The Python packages mlx_lm.server needs, pinned to the set the tests verify
 * (resources/python-requirements.json, shared with scripts/setup-test-deps.mjs).
 */
const requirementsSchema = z.object({
  minPython: z.tuple([z.int(), z.int()]),
  packages: z.record(z.string(), z.string()),
  /** pip extras per package on Linux (mlx needs [cpu] there: plain mlx has no backend). */
  linuxExtras: z.record(z.string(), z.string()),
});

export type PythonRequirements = z.infer<typeof requirementsSchema>;

export const PYTHON_REQUIREMENTS: PythonRequirements = requirementsSchema.parse(requirementsJson);

/** `name[extra]==version` specifiers for pip on this platform. */
export function pipSpecifiers(
  platform: NodeJS.Platform = process.platform,
  requirements: PythonRequirements = PYTHON_REQUIREMENTS,
): string[] {
  return Object.entries(requirements.packages).map(([name, version]) => {
    const extra = platform === 'linux' ? requirements.linuxExtras[name] : undefined;
    return `${name}${extra !== undefined ? `[${extra}]` : ''}==${version}`;
  });
}

export function minPythonText(requirements: PythonRequirements = PYTHON_REQUIREMENTS): string {
  return requirements.minPython.join('.');
}

/** "3.11.7" >= [3, 11]? */
export function isPythonRecentEnough(version: string, requirements: PythonRequirements = PYTHON_REQUIREMENTS): boolean {
  const [major = 0, minor = 0] = version.split('.').map((part) => Number.parseInt(part, 10));
  const [needMajor, needMinor] = requirements.minPython;
  return major > needMajor || (major === needMajor && minor >= needMinor);
}
