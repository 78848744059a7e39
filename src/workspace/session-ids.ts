import crypto from 'node:crypto';

/** Session ids are short, sortable by creation time, and safe in branch names and folder names. */
export function newSessionId(now: Date = new Date()): string {
  const stamp = now.toISOString().replace(/[-:T]/g, '').slice(2, 12); // yymmddHHMM
  return `${stamp}-${crypto.randomBytes(3).toString('hex')}`;
}

/** A branch- and folder-safe slug of the task name: ASCII, lower-case, at most 32 characters. */
export function slugify(text: string): string {
  const slug = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 32)
    .replace(/-+$/g, '');
  return slug === '' ? 'task' : slug;
}

export function sessionBranchName(slug: string, id: string): string {
  return `factory/${slug}-${id}`;
}
