/**
 * How a size is written, by the CLI and the UI alike (it lives in src/api because that is the one
 * part of the core the renderer may import): binary units with the usual short names, one decimal
 * for gigabytes ("4 GB", "4.5 GB"), whole megabytes and kilobytes, "—" when the size is unknown.
 */
const GB = 1024 ** 3;
const MB = 1024 ** 2;

export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return '—';
  if (bytes >= GB) return `${Number((bytes / GB).toFixed(1))} GB`;
  if (bytes >= MB) return `${Math.round(bytes / MB)} MB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${Math.round(bytes)} B`;
}
