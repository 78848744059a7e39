/** The port a URL names, its scheme's default when it names none (null: not a URL). */
export function portOf(url: string): number | null {
  try {
    const parsed = new URL(url);
    return parsed.port !== '' ? Number(parsed.port) : parsed.protocol === 'https:' ? 443 : 80;
  } catch {
    return null;
  }
}
