/**
 * The fence to wrap text in so that none of its own lines closes it early: three backticks, or one
 * more than the longest backtick run that starts a line of the text (CommonMark's rule). Pure.
 */
export function fenceFor(text: string): string {
  let longest = 0;
  for (const match of text.matchAll(/^\s{0,3}(`{3,})/gm)) longest = Math.max(longest, match[1]?.length ?? 0);
  return '`'.repeat(Math.max(3, longest + 1));
}
