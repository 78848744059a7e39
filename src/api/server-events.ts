import { z } from 'zod';

/**
 * Events of the model server and the memory sampler (DESIGN.md, typed API: `server.state`,
 * `server.log`, `memory.sample`). They belong to no session. The `…PayloadSchema`s are what the API
 * host stamps with its global envelope (session, seq, time; see global-events.ts); the supervisor
 * emits them with a `time` already set (`…EventSchema` = payload + time).
 */
const serverStateNameSchema = z.enum([
  /** Nothing runs (never started, or stopped on purpose). */
  'stopped',
  /** A process was launched and is not answering a 1-token completion yet. */
  'starting',
  /** Our process answers completions. */
  'ready',
  /** A server we did not launch in this process answers on the port and is used as it is. */
  'adopted',
  /** It exited without being asked to; a restart decision follows at once. */
  'crashed',
  /** Waiting out the backoff before the next launch. */
  'restarting',
  /** Gave up (start-up failure, or too many fast crashes); `detail` and `logTail` say why. */
  'failed',
  /** Stopped after `idle_unload_minutes` without requests; the next request starts it again. */
  'unloaded',
  /** SIGTERM sent to the process group, waiting for it to go. */
  'stopping',
]);
export type ServerStateName = z.infer<typeof serverStateNameSchema>;

export const serverStatePayloadSchema = z.object({
  type: z.literal('server.state'),
  state: serverStateNameSchema,
  previous: serverStateNameSchema,
  /** One human sentence: what happened and, for failures, what to do. */
  detail: z.string(),
  /** http://127.0.0.1:PORT while a server is (or is becoming) reachable, else null. */
  url: z.string().nullable(),
  port: z.int().nullable(),
  pid: z.int().nullable(),
  model: z.string(),
  /** Whether stopping this supervisor stops the process (false for a server someone else runs). */
  owned: z.boolean(),
  /** Launches after the first one (crash restarts and idle reloads). */
  restarts: z.int().nonnegative(),
  /** The last lines the server printed, on `crashed` and `failed`. */
  logTail: z.array(z.string()),
});
/** As emitted: stamped with the time. */
export type ServerStateEvent = z.infer<typeof serverStatePayloadSchema> & { readonly time: string };

export const serverLogPayloadSchema = z.object({
  type: z.literal('server.log'),
  /** `server`: the server's own output (stdout and stderr, as they land in its log file); `supervisor`: ours (launch, adopt, kill…). */
  stream: z.enum(['server', 'supervisor']),
  line: z.string(),
});
/** As emitted: stamped with the time. */
export type ServerLogEvent = z.infer<typeof serverLogPayloadSchema> & { readonly time: string };

/** Where a memory figure came from, so the UI can say what it measures. */
const memorySourceSchema = z.enum([
  /** Linux: VmRSS from /proc/<pid>/status, summed over the process tree. */
  'proc-rss',
  /** macOS: physical footprint (top's MEM column), which counts Metal buffers that RSS misses. */
  'macos-footprint',
  /** macOS fallback when top gives nothing: ps RSS (under-counts Metal buffers). */
  'ps-rss',
  /** Linux: MemTotal / MemAvailable from /proc/meminfo. */
  'proc-meminfo',
  /** macOS: from vm_stat, as Activity Monitor counts it: total − (wired + compressed + app memory). */
  'vm_stat',
  /** Elsewhere: os.totalmem() / os.freemem(). */
  'os',
]);
export type MemorySource = z.infer<typeof memorySourceSchema>;

export const memorySamplePayloadSchema = z.object({
  type: z.literal('memory.sample'),
  /** null when no server process is known (stopped, unloaded, or a server adopted by port only). */
  server: z
    .object({
      pids: z.array(z.int().positive()),
      bytes: z.number().nonnegative(),
      source: memorySourceSchema,
    })
    .nullable(),
  system: z.object({
    totalBytes: z.number().nonnegative(),
    availableBytes: z.number().nonnegative(),
    source: memorySourceSchema,
  }),
  /** This process (the app or the CLI): resident set size. */
  app: z.object({ rssBytes: z.number().nonnegative() }),
  /**
   * The app's model server's prompt cache as it last logged it (`Prompt Cache: N sequences, X GB`),
   * and how much of it each running session holds — an estimate from the session's latest prompt
   * tokens, since the server does not say which cached prefix is whose (#17). Absent: not known.
   */
  promptCache: z
    .object({
      bytes: z.number().nonnegative(),
      sequences: z.int().nonnegative(),
      sessions: z.array(
        z.object({
          id: z.string(),
          promptTokens: z.int().nonnegative(),
          /** Estimated bytes: its prompt tokens × the model's KV bytes per token, or its share of the cache by tokens. */
          bytes: z.number().nonnegative(),
        }),
      ),
    })
    .optional(),
});
/** As emitted: stamped with the time. */
export type MemorySampleEvent = z.infer<typeof memorySamplePayloadSchema> & { readonly time: string };

export type ServerEvent = ServerStateEvent | ServerLogEvent | MemorySampleEvent;

/** The listener map of the supervisor's typed event API. */
export interface ServerEventMap {
  'server.state': ServerStateEvent;
  'server.log': ServerLogEvent;
  'memory.sample': MemorySampleEvent;
}
