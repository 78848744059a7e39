/**
 * Bounded capture of a command's output: the first and last bytes of the combined stream
 * (stdout and stderr interleaved in arrival order), a byte count, and short per-stream tails
 * for failure analysis. Memory stays O(maxOutputBytes) however much the command prints.
 *
 * Works on bytes, not strings, so the cap is exact and a multi-byte character cut at a
 * boundary is dropped whole instead of decoding into garbage. A character split across two
 * reads of one pipe is held back until it is complete, so a chunk of the other stream arriving
 * in between cannot land in the middle of it.
 */

export type OutputStream = 'stdout' | 'stderr';

export interface OutputCaptureOptions {
  /** Bytes kept in total, half from the start and half from the end. Default 128 KiB. */
  maxOutputBytes?: number;
  /** Bytes kept from the end of each of stdout and stderr. Default 8 KiB. */
  streamTailBytes?: number;
}

const DEFAULT_MAX_OUTPUT_BYTES = 128 * 1024;
const DEFAULT_STREAM_TAIL_BYTES = 8 * 1024;

const decoder = new TextDecoder('utf-8', { fatal: false });

/** Keeps the last `capacity` bytes written to it. */
class ByteRing {
  private readonly buffer: Buffer;
  private start = 0;
  private length = 0;

  constructor(readonly capacity: number) {
    this.buffer = Buffer.alloc(capacity);
  }

  get size(): number {
    return this.length;
  }

  write(chunk: Uint8Array): void {
    const cap = this.capacity;
    if (cap === 0 || chunk.length === 0) return;
    // Only the last `cap` bytes of a large chunk can survive.
    const data = chunk.length > cap ? chunk.subarray(chunk.length - cap) : chunk;
    let end = (this.start + this.length) % cap;
    let offset = 0;
    while (offset < data.length) {
      const n = Math.min(data.length - offset, cap - end);
      this.buffer.set(data.subarray(offset, offset + n), end);
      offset += n;
      end = (end + n) % cap;
    }
    const overflow = this.length + data.length - cap;
    if (overflow > 0) {
      this.start = (this.start + overflow) % cap;
      this.length = cap;
    } else {
      this.length += data.length;
    }
  }

  toBuffer(): Buffer {
    const first = this.buffer.subarray(this.start, Math.min(this.start + this.length, this.capacity));
    const rest = this.buffer.subarray(0, this.length - first.length);
    return Buffer.concat([first, rest]);
  }
}

/** Length of `bytes` without a trailing, incomplete UTF-8 sequence. */
export function completeUtf8Prefix(bytes: Uint8Array): number {
  // A sequence is at most 4 bytes, so its lead byte is within the last 4.
  for (let i = bytes.length - 1; i >= Math.max(0, bytes.length - 4); i--) {
    const byte = bytes[i] ?? 0;
    if ((byte & 0xc0) === 0x80) continue; // continuation byte: keep looking for the lead
    const expected = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return i + expected > bytes.length ? i : bytes.length;
  }
  return bytes.length;
}

/** Index of the first byte that is not a continuation of a character that began earlier. */
export function utf8CharStart(bytes: Uint8Array): number {
  let i = 0;
  while (i < Math.min(3, bytes.length) && ((bytes[i] ?? 0) & 0xc0) === 0x80) i++;
  return i;
}

function decodeTail(bytes: Buffer, cut: boolean): string {
  return decoder.decode(cut ? bytes.subarray(utf8CharStart(bytes)) : bytes);
}

export class OutputCapture {
  readonly maxOutputBytes: number;
  private readonly head: Buffer;
  private headLength = 0;
  private readonly tail: ByteRing;
  private readonly streamTails: Record<OutputStream, ByteRing>;
  private readonly streamTotals: Record<OutputStream, number> = { stdout: 0, stderr: 0 };
  /** Per stream, the start of a character whose remaining bytes have not arrived yet (≤ 3 bytes). */
  private readonly pending: Record<OutputStream, Buffer> = { stdout: Buffer.alloc(0), stderr: Buffer.alloc(0) };
  private total = 0;
  /** Bytes that went into the combined stream (all but the pending ones). */
  private combined = 0;

  constructor(options: OutputCaptureOptions = {}) {
    const max = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
    const streamTail = options.streamTailBytes ?? DEFAULT_STREAM_TAIL_BYTES;
    if (!Number.isInteger(max) || max < 0) throw new RangeError(`maxOutputBytes must be a non-negative integer, got ${max}`);
    if (!Number.isInteger(streamTail) || streamTail < 0) {
      throw new RangeError(`streamTailBytes must be a non-negative integer, got ${streamTail}`);
    }
    this.maxOutputBytes = max;
    this.head = Buffer.alloc(Math.ceil(max / 2));
    this.tail = new ByteRing(Math.floor(max / 2));
    this.streamTails = { stdout: new ByteRing(streamTail), stderr: new ByteRing(streamTail) };
  }

  push(chunk: Uint8Array, stream: OutputStream): void {
    this.total += chunk.length;
    this.streamTotals[stream] += chunk.length;
    this.streamTails[stream].write(chunk);
    const data = this.pending[stream].length > 0 ? Buffer.concat([this.pending[stream], chunk]) : chunk;
    const complete = completeUtf8Prefix(data);
    this.pending[stream] = Buffer.from(data.subarray(complete));
    this.pushCombined(data.subarray(0, complete));
  }

  /** The streams have ended: whatever is still pending goes out as it is (it decodes to U+FFFD). */
  end(): void {
    for (const stream of ['stdout', 'stderr'] as const) {
      this.pushCombined(this.pending[stream]);
      this.pending[stream] = Buffer.alloc(0);
    }
  }

  private pushCombined(chunk: Uint8Array): void {
    this.combined += chunk.length;
    const toHead = Math.min(chunk.length, this.head.length - this.headLength);
    if (toHead > 0) {
      this.head.set(chunk.subarray(0, toHead), this.headLength);
      this.headLength += toHead;
    }
    if (toHead < chunk.length) this.tail.write(chunk.subarray(toHead));
  }

  /** Every byte pushed, kept or not. */
  get totalBytes(): number {
    return this.total;
  }

  get truncated(): boolean {
    return this.combined > this.headLength + this.tail.size;
  }

  /** `head + "\n… [N bytes omitted] …\n" + tail`, or the whole output when nothing was dropped. */
  render(): string {
    const head = this.head.subarray(0, this.headLength);
    const tail = this.tail.toBuffer();
    if (!this.truncated) return decoder.decode(Buffer.concat([head, tail]));
    const headEnd = completeUtf8Prefix(head);
    const tailStart = utf8CharStart(tail);
    const kept = headEnd + (tail.length - tailStart);
    const omitted = this.combined - kept;
    return decoder.decode(head.subarray(0, headEnd)) + `\n… [${omitted} bytes omitted] …\n` + decoder.decode(tail.subarray(tailStart));
  }

  /** The last bytes of one stream, decoded. */
  streamTail(stream: OutputStream): string {
    const ring = this.streamTails[stream];
    return decodeTail(ring.toBuffer(), this.streamTotals[stream] > ring.size);
  }
}
