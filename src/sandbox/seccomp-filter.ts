/**
 * Linux: a seccomp program for bubblewrap (`--seccomp FD`) that refuses to create Unix-domain
 * sockets. Pure: it returns the bytes of a classic-BPF `struct sock_filter[]`.
 *
 * Why: `--unshare-net` cuts IP (and abstract Unix sockets, which belong to the network namespace),
 * but a Unix socket that is a *file* stays reachable through the read-only bind of `/`: a local
 * PostgreSQL or MySQL, the D-Bus buses (and through the session bus, the keyring), an SSH or GPG
 * agent, a container daemon. macOS's profile denies them with `(deny network*)`; here, `socket(AF_UNIX,
 * …)` fails with EPERM. `socketpair()` (pipes between a program's own processes) is left alone, and
 * so is every other address family, which the network namespace already confines.
 *
 * Also refused: `io_uring_setup` (io_uring can open sockets without the socket() system call; libuv
 * and others fall back to plain system calls when it is missing). System calls of another ABI (x32,
 * 32-bit compat) kill the process, as their numbers would bypass these checks.
 */

const BPF_LD_W_ABS = 0x20;
const BPF_JEQ_K = 0x15;
const BPF_JGE_K = 0x35;
const BPF_RET_K = 0x06;

const SECCOMP_RET_ALLOW = 0x7fff0000;
const SECCOMP_RET_ERRNO = 0x00050000;
const SECCOMP_RET_KILL_PROCESS = 0x80000000;
const EPERM = 1;
const ENOSYS = 38;
const AF_UNIX = 1;

/** Offsets in `struct seccomp_data`: nr, arch, instruction pointer, then six 64-bit args (little-endian). */
const OFFSET_NR = 0;
const OFFSET_ARCH = 4;
const OFFSET_ARG0_LOW = 16;

interface ArchInfo {
  readonly auditArch: number;
  readonly socket: number;
  readonly ioUringSetup: number;
  /** x86_64's x32 ABI: system call numbers with this bit set. */
  readonly x32Bit?: number;
}

/** The architectures we build a filter for (Node's names). */
const ARCHES: Readonly<Record<string, ArchInfo>> = {
  x64: { auditArch: 0xc000003e, socket: 41, ioUringSetup: 425, x32Bit: 0x40000000 },
  arm64: { auditArch: 0xc00000b7, socket: 198, ioUringSetup: 425 },
};

interface Instruction {
  code: number;
  jt: number;
  jf: number;
  k: number;
}

/** The filter for `arch` (default: this process's), or null where we have none (then no filter is used). */
export function buildUnixSocketFilter(arch: string = process.arch): Buffer | null {
  const info = ARCHES[arch];
  if (info === undefined) return null;
  // Jump offsets count instructions after the jump; the labels below are fixed positions.
  const program: Instruction[] = [];
  const at = (code: number, k: number, jt = 0, jf = 0): void => void program.push({ code, jt, jf, k });
  const x32 = info.x32Bit !== undefined;
  // 0: arch; another ABI → kill (jump to KILL at the end)
  at(BPF_LD_W_ABS, OFFSET_ARCH);
  const killIndex = x32 ? 11 : 10;
  const allowIndex = killIndex - 3;
  const denyEpermIndex = killIndex - 2;
  const denyEnosysIndex = killIndex - 1;
  at(BPF_JEQ_K, info.auditArch, 0, killIndex - 2); // 1
  at(BPF_LD_W_ABS, OFFSET_NR); // 2
  if (x32) at(BPF_JGE_K, info.x32Bit ?? 0, killIndex - 4, 0); // 3: x32 system call → kill
  const here = (): number => program.length;
  at(BPF_JEQ_K, info.ioUringSetup, denyEnosysIndex - here() - 1, 0);
  at(BPF_JEQ_K, info.socket, 0, allowIndex - here() - 1);
  at(BPF_LD_W_ABS, OFFSET_ARG0_LOW);
  at(BPF_JEQ_K, AF_UNIX, denyEpermIndex - here() - 1, allowIndex - here() - 1);
  at(BPF_RET_K, SECCOMP_RET_ALLOW);
  at(BPF_RET_K, SECCOMP_RET_ERRNO | EPERM);
  at(BPF_RET_K, SECCOMP_RET_ERRNO | ENOSYS);
  at(BPF_RET_K, SECCOMP_RET_KILL_PROCESS);
  if (program.length !== killIndex + 1) throw new Error(`seccomp filter layout is off: ${program.length} instructions`);
  const bytes = Buffer.alloc(program.length * 8);
  program.forEach((ins, i) => {
    // struct sock_filter { u16 code; u8 jt; u8 jf; u32 k; } in the machine's (little-endian) order.
    bytes.writeUInt16LE(ins.code, i * 8);
    bytes.writeUInt8(ins.jt, i * 8 + 2);
    bytes.writeUInt8(ins.jf, i * 8 + 3);
    bytes.writeUInt32LE(ins.k >>> 0, i * 8 + 4);
  });
  return bytes;
}
