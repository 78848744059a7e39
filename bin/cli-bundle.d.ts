// Types for bin/cli-bundle.js (plain JavaScript: it runs before anything is compiled).
export const PROJECT_ROOT: string;
export const CLI_ENTRY: string;
export const MANIFEST_NAME: string;
export function bundleState(root?: string, dir?: string): 'fresh' | 'stale' | 'missing';
