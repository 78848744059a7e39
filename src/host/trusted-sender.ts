/**
 * Who may call the API over IPC (Electron's checklist: validate the sender of every IPC message).
 * Not just "one of our windows": the message must come from that window's *main* frame — not an
 * <iframe> a page might embed, not a frame already detached from the page (still running unload
 * handlers while a navigation replaces it) — and that frame must show our own renderer. Pure, with
 * Electron's shapes, so it is tested without Electron.
 */
export interface SenderFrame {
  readonly url: string;
  /** WebFrameMain.parent: null for a page's top-level frame. */
  readonly parent: unknown;
  /** WebFrameMain.detached (Electron 34+): true once the frame left the frame tree. */
  readonly detached?: boolean;
  readonly processId: number;
  readonly routingId: number;
}

export interface SenderEvent {
  readonly sender: { readonly id: number; readonly mainFrame: SenderFrame };
  /** Null once the frame navigated away or was destroyed. */
  readonly senderFrame: SenderFrame | null;
}

export function isTrustedSender(event: SenderEvent, ownsWebContents: (id: number) => boolean, isOwnUrl: (url: string) => boolean): boolean {
  const frame = event.senderFrame;
  if (frame === null || !ownsWebContents(event.sender.id)) return false;
  if (frame.parent !== null || frame.detached === true) return false;
  // The window's current main frame (Electron may hand out a new wrapper object for the same frame: compare ids too).
  const main = event.sender.mainFrame;
  const isMain = frame === main || (frame.processId === main.processId && frame.routingId === main.routingId);
  return isMain && isOwnUrl(frame.url) && isOwnUrl(main.url);
}
