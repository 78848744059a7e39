export { runSandboxed, SandboxUnavailableError, type ExecRequest, type ExecResult } from './run-sandboxed.js';
export { detectSandbox, resetSandboxDetection, type SandboxKind } from './sandbox-detect.js';
