export { runSandboxed, SandboxUnavailableError, type ExecRequest, type ExecResult } from './run-sandboxed.js';
export { scrubEnvironment, isCredentialName } from './scrub-env.js';
export {
  OutputCapture,
  DEFAULT_MAX_OUTPUT_BYTES,
  DEFAULT_STREAM_TAIL_BYTES,
  type OutputCaptureOptions,
  type OutputStream,
} from './output-capture.js';
export {
  spawnInNewGroup,
  signalGroup,
  killProcessGroup,
  liveGroupMembers,
  type GroupChild,
  type KillGroupOptions,
  type SpawnOptions,
} from './process-tree.js';
export {
  detectSandbox,
  probeSandbox,
  resetSandboxDetection,
  BWRAP_INSTALL_HINT,
  type SandboxAvailability,
  type SandboxKind,
} from './sandbox-detect.js';
export { buildBwrapArgs, type BwrapPlan } from './bwrap-args.js';
export { buildSandboxExecArgs, macosProfilePath, setMacosProfilePath, type SandboxExecPlan } from './sandbox-exec-args.js';
export { findSecretPaths, HOME_SECRET_PATHS, SYSTEM_SECRET_PATHS, type SecretPath } from './secret-paths.js';
