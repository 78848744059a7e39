/**
 * The correction for a SEARCH/REPLACE block on a file that does not exist. Small models often write a
 * bare name (`core.py`) for a file deeper in the tree (`src/click/core.py`): when exactly one tracked
 * file ends with that path the correction names it — never applied as a guess, since the model may
 * have meant a file it forgot to create. Pure.
 */
export function missingFileReason(file: string, existingFiles: readonly string[]): string | undefined {
  if (existingFiles.includes(file)) return undefined;
  const sameName = existingFiles.filter((f) => f.endsWith(`/${file}`));
  const base = `the file ${file} does not exist`;
  if (sameName.length === 1)
    return `${base}; did you mean ${sameName[0] ?? ''}? Write the path from the project root on the line before the block`;
  if (sameName.length > 1) {
    const listed = sameName.slice(0, 5).join(', ');
    return `${base}; ${sameName.length} files end with that name (${listed}${sameName.length > 5 ? ', …' : ''}): write the full path from the project root`;
  }
  return undefined;
}
