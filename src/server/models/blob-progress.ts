import fs from 'node:fs';
import path from 'node:path';
import { blobName, type PlannedFile } from './pull-plan.js';

/**
 * How much of a snapshot is on disk, read from the hub cache itself: a finished file is
 * `blobs/<etag>`, one being downloaded (or left by an interrupted pull) is `blobs/<etag>.incomplete`.
 * Reading the files rather than a progress callback keeps the figure true across restarts and
 * whatever huggingface_hub does inside.
 */
export interface OnDisk {
  readonly bytes: number;
  readonly filesDone: number;
}

function sizeOf(file: string): number | null {
  try {
    const stat = fs.lstatSync(file);
    return stat.isFile() ? stat.size : null;
  } catch {
    return null;
  }
}

export function blobsDir(cacheDir: string, repoFolder: string): string {
  return path.join(cacheDir, repoFolder, 'blobs');
}

export function bytesOnDisk(blobs: string, files: readonly PlannedFile[]): OnDisk {
  let bytes = 0;
  let filesDone = 0;
  for (const file of files) {
    const complete = sizeOf(path.join(blobs, blobName(file)));
    if (complete !== null) {
      bytes += Math.min(complete, file.size);
      if (complete === file.size) filesDone += 1;
      continue;
    }
    bytes += Math.min(sizeOf(path.join(blobs, `${blobName(file)}.incomplete`)) ?? 0, file.size);
  }
  return { bytes, filesDone };
}
