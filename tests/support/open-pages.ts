/**
 * The pages the e2e harness has open, for the failure screenshots (failure-screenshots.ts). Kept
 * apart from that setup file so that benches, which use the harness outside vitest, can load it.
 */
export interface Shootable {
  screenshot(options: { path: string }): Promise<unknown>;
  isClosed(): boolean;
}

export const openPages = new Set<Shootable>();

export function registerPageForFailures(page: Shootable): void {
  openPages.add(page);
}
