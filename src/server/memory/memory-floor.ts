const GB = 1024 ** 3;

/**
 * Memory kept free for the rest of the Mac (DESIGN, "Serving"): the larger of 2 GB and 15 % of RAM,
 * or what `server.memory_floor_gb` says. Going below it is how a Mac starts to swap, and a model
 * server that swaps is slower than one that waits.
 */
export function memoryFloorBytes(totalBytes: number, configuredGb: number | null = null): number {
  if (configuredGb !== null) return Math.round(configuredGb * GB);
  return Math.max(2 * GB, Math.round(totalBytes * 0.15));
}
