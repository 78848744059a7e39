/**
 * One word for /bin/sh: as it is when every character is plain (letters, digits, `_ . / -`), else
 * single-quoted, with each `'` written as `'\''`. The empty string is `''`.
 */
export function shellQuote(value: string): string {
  return /^[\w./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}
