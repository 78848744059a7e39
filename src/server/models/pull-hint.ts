/** How to get a model that is not on disk: our command first, huggingface_hub's `hf` CLI as the alternative. */
export function pullCommand(model: string): string {
  return `mlx-factory models pull ${model}`;
}

export function downloadHint(model: string): string {
  return `Download it with \`${pullCommand(model)}\` (or \`hf download ${model}\`)`;
}
