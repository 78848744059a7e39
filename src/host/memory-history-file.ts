import fs from 'node:fs';
import path from 'node:path';
import { memorySampleSchema, type MemorySample } from '../api/payloads.js';

/**
 * The host's memory samples on disk, so the memory view keeps its history across a restart: one JSON
 * line per sample appended to the file; once it holds twice the samples kept, it is rewritten (to a
 * temp file, then renamed) with the newest ones only — a ring whose size stays bounded.
 *
 * Best effort: a history that cannot be read or written (a full disk, a damaged line) costs the chart
 * its past, never the host its run. The file is read lstat-first, only as a regular file, capped.
 */
const MAX_LINE_BYTES = 4096;

export class MemoryHistoryFile {
  private lines = 0;

  constructor(
    readonly file: string,
    private readonly capacity: number,
  ) {}

  /** The newest `capacity` valid samples, oldest first (none when the file is missing or not a file). */
  load(): MemorySample[] {
    let text: string;
    try {
      const stat = fs.lstatSync(this.file);
      if (!stat.isFile()) return [];
      const cap = 2 * this.capacity * MAX_LINE_BYTES;
      const fd = fs.openSync(this.file, fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0));
      try {
        const start = Math.max(0, stat.size - cap);
        const buffer = Buffer.alloc(Math.min(stat.size, cap));
        const read = fs.readSync(fd, buffer, 0, buffer.length, start);
        text = buffer.subarray(0, read).toString('utf8');
        // Started mid-file: the first line may be cut.
        if (start > 0) text = text.slice(text.indexOf('\n') + 1);
      } finally {
        fs.closeSync(fd);
      }
    } catch {
      return [];
    }
    const samples: MemorySample[] = [];
    for (const line of text.split('\n')) {
      if (line === '') continue;
      this.lines += 1;
      try {
        const parsed = memorySampleSchema.safeParse(JSON.parse(line));
        if (parsed.success) samples.push(parsed.data);
      } catch {
        // A line cut by a crash mid-write: skipped.
      }
    }
    return samples.slice(-this.capacity);
  }

  /** Appends a sample; `kept` (the history in memory, newest last) is what a compaction keeps. */
  append(sample: MemorySample, kept: readonly MemorySample[]): void {
    try {
      if (this.lines >= 2 * this.capacity) {
        this.rewrite(kept.slice(-this.capacity));
        return; // `kept` already ends with this sample
      }
      fs.mkdirSync(path.dirname(this.file), { recursive: true });
      fs.appendFileSync(this.file, `${JSON.stringify(sample)}\n`, { mode: 0o600 });
      this.lines += 1;
    } catch {
      // Best effort (see above).
    }
  }

  private rewrite(samples: readonly MemorySample[]): void {
    const temp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(temp, samples.map((s) => `${JSON.stringify(s)}\n`).join(''), { mode: 0o600 });
    fs.renameSync(temp, this.file);
    this.lines = samples.length;
  }
}
