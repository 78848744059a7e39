// vitest setupFiles: tests run the core from the source tree, as the CLI does, so the macOS
// sandbox profile is the checkout's (the Electron app injects its own; see main/app-resources.ts).
import { fileURLToPath } from 'node:url';
import { setMacosProfilePath } from '../../src/sandbox/sandbox-exec-args.js';

export const SOURCE_MACOS_PROFILE = fileURLToPath(new URL('../../resources/sandbox/macos.sb', import.meta.url));
setMacosProfilePath(SOURCE_MACOS_PROFILE);
