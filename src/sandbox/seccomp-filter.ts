/**
 * Linux: a seccomp program for bubblewrap (`--seccomp FD`). Pure: it returns the bytes of a
 * classic-BPF `struct sock_filter[]`.
 *
 * Refused with EPERM:
 * - `socket(AF_UNIX, …)`: `--unshare-net` cuts IP (and abstract Unix sockets, which belong to the
 *   network namespace), but a Unix socket that is a *file* stays reachable through the read-only bind
 *   of `/`: a local PostgreSQL or MySQL, the D-Bus buses (and through the session bus, the keyring), an
 *   SSH or GPG agent, a container daemon. macOS's profile denies them with `(deny network*)`.
 *   `socketpair()` (pipes between a program's own processes) is left alone, and so is every other
 *   address family, which the network namespace already confines.
 * - `keyctl`, `add_key`, `request_key`: the kernel keyring is not namespaced by bubblewrap, and the
 *   user's session keyring can hold credentials (Kerberos tickets, filesystem keys).
 * - `ioctl(fd, TIOCSTI | TIOCLINUX, …)`: pushing keystrokes into a terminal the check can reach
 *   (Node's detached spawn gives it none, but a check must not get one back by opening /dev/tty).
 * Refused with ENOSYS: `io_uring_setup` (io_uring can open sockets without the socket() system call;
 * libuv and others fall back to plain system calls when it is missing). System calls of another ABI
 * (x32, 32-bit compat) kill the process, as their numbers would bypass these checks.
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
const OFFSET_ARG1_LOW = 24;
const TIOCSTI = 0x5412;
const TIOCLINUX = 0x541c;

interface ArchInfo {
  readonly auditArch: number;
  readonly socket: number;
  readonly ioctl: number;
  readonly ioUringSetup: number;
  readonly keyring: readonly number[];
  /** x86_64's x32 ABI: system call numbers with this bit set. */
  readonly x32Bit?: number;
}

/** The architectures we build a filter for (Node's names); keyring = add_key, request_key, keyctl. */
const ARCHES: Readonly<Record<string, ArchInfo>> = {
  x64: { auditArch: 0xc000003e, socket: 41, ioctl: 16, ioUringSetup: 425, keyring: [248, 249, 250], x32Bit: 0x40000000 },
  arm64: { auditArch: 0xc00000b7, socket: 198, ioctl: 29, ioUringSetup: 425, keyring: [217, 218, 219] },
};

type Label = 'socket' | 'ioctl' | 'allow' | 'eperm' | 'enosys' | 'kill';
type Target = Label | 'next';

/** An instruction whose jump targets are labels, resolved to forward offsets once the program is laid out. */
interface Step {
  readonly code: number;
  readonly k: number;
  readonly jt?: Target;
  readonly jf?: Target;
  readonly label?: Label;
}

/** The filter for `arch` (default: this process's), or null where we have none (then no filter is used). */
export function buildUnixSocketFilter(arch: string = process.arch): Buffer | null {
  const info = ARCHES[arch];
  if (info === undefined) return null;
  const steps: Step[] = [
    { code: BPF_LD_W_ABS, k: OFFSET_ARCH },
    { code: BPF_JEQ_K, k: info.auditArch, jt: 'next', jf: 'kill' },
    { code: BPF_LD_W_ABS, k: OFFSET_NR },
    ...(info.x32Bit !== undefined ? [{ code: BPF_JGE_K, k: info.x32Bit, jt: 'kill', jf: 'next' } as const] : []),
    { code: BPF_JEQ_K, k: info.ioUringSetup, jt: 'enosys', jf: 'next' },
    ...info.keyring.map((nr) => ({ code: BPF_JEQ_K, k: nr, jt: 'eperm', jf: 'next' }) as const),
    { code: BPF_JEQ_K, k: info.ioctl, jt: 'ioctl', jf: 'next' },
    { code: BPF_JEQ_K, k: info.socket, jt: 'socket', jf: 'allow' },
    { label: 'socket', code: BPF_LD_W_ABS, k: OFFSET_ARG0_LOW },
    { code: BPF_JEQ_K, k: AF_UNIX, jt: 'eperm', jf: 'allow' },
    { label: 'ioctl', code: BPF_LD_W_ABS, k: OFFSET_ARG1_LOW },
    { code: BPF_JEQ_K, k: TIOCSTI, jt: 'eperm', jf: 'next' },
    { code: BPF_JEQ_K, k: TIOCLINUX, jt: 'eperm', jf: 'allow' },
    { label: 'allow', code: BPF_RET_K, k: SECCOMP_RET_ALLOW },
    { label: 'eperm', code: BPF_RET_K, k: SECCOMP_RET_ERRNO | EPERM },
    { label: 'enosys', code: BPF_RET_K, k: SECCOMP_RET_ERRNO | ENOSYS },
    { label: 'kill', code: BPF_RET_K, k: SECCOMP_RET_KILL_PROCESS },
  ];
  const position = new Map<Label, number>();
  steps.forEach((step, i) => step.label !== undefined && position.set(step.label, i));
  const offset = (from: number, target: Target | undefined): number => {
    if (target === undefined || target === 'next') return 0;
    const to = position.get(target);
    // Classic BPF jumps only forward, at most 255 instructions.
    if (to === undefined || to <= from || to - from - 1 > 255) throw new Error(`seccomp filter: bad jump to ${target}`);
    return to - from - 1;
  };
  const bytes = Buffer.alloc(steps.length * 8);
  steps.forEach((step, i) => {
    // struct sock_filter { u16 code; u8 jt; u8 jf; u32 k; } in the machine's (little-endian) order.
    bytes.writeUInt16LE(step.code, i * 8);
    bytes.writeUInt8(offset(i, step.jt), i * 8 + 2);
    bytes.writeUInt8(offset(i, step.jf), i * 8 + 3);
    bytes.writeUInt32LE(step.k >>> 0, i * 8 + 4);
  });
  return bytes;
}
