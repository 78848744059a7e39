import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/**
 * Sessions the user archived in the UI: hidden from the list, nothing deleted (worktree, branch
 * and log stay; "Show archived" brings them back). A list of ids in the app's home, written
 * whole through a temporary file so a crash never leaves half a file.
 */
const archiveFileSchema = z.object({ version: z.literal(1), ids: z.array(z.string().max(128)).max(100_000) });
const MAX_FILE_BYTES = 4 * 1024 * 1024;

export class ArchivedSessions {
  private ids: Set<string> | null = null;

  constructor(private readonly file: string) {}

  static inHome(home: string): ArchivedSessions {
    return new ArchivedSessions(path.join(home, 'archived-sessions.json'));
  }

  has(id: string): boolean {
    return this.load().has(id);
  }

  /** Archives (or brings back) the sessions; answers the ids that changed. */
  set(ids: readonly string[], archived: boolean): string[] {
    const current = this.load();
    const changed = ids.filter((id) => current.has(id) !== archived);
    if (changed.length === 0) return [];
    for (const id of changed) {
      if (archived) current.add(id);
      else current.delete(id);
    }
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const temporary = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, `${JSON.stringify({ version: 1, ids: [...current].sort() })}\n`);
    fs.renameSync(temporary, this.file);
    return changed;
  }

  private load(): Set<string> {
    if (this.ids !== null) return this.ids;
    this.ids = new Set();
    const stat = fs.lstatSync(this.file, { throwIfNoEntry: false });
    if (stat === undefined || !stat.isFile() || stat.size > MAX_FILE_BYTES) return this.ids;
    try {
      const parsed = archiveFileSchema.safeParse(JSON.parse(fs.readFileSync(this.file, 'utf8')));
      if (parsed.success) this.ids = new Set(parsed.data.ids);
    } catch {
      // Unreadable: treat as nothing archived (the next archive rewrites it).
    }
    return this.ids;
  }
}
