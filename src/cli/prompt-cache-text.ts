/**
 * The wording of the server's prefix cache in the CLI (live turn lines, the run's closing lines,
 * `sessions show`): one place, so every surface says it the same way.
 */
export function cachedShareText(share: number | null): string {
  return share === null
    ? 'the server did not report its prompt cache'
    : `${Math.round(share * 100)} % of prompt tokens from the server's cache`;
}

/** "1200+50 tokens, 900 cached" for one turn's usage. */
export function turnUsageText(usage: { promptTokens: number; completionTokens: number; cachedTokens?: number | undefined }): string {
  const cached = usage.cachedTokens === undefined ? '' : `, ${usage.cachedTokens} cached`;
  return `${usage.promptTokens}+${usage.completionTokens} tokens${cached}`;
}
