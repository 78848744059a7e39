/**
 * Side by side or inline, by the room there is: two panes under 450 px each leave about 50
 * characters of code a side at the diff's font — long lines wrap out of sight and the eye
 * ping-pongs — so below that the diff shows inline, whatever the toggle says, and says why. The
 * toggle keeps the user's choice for when the pane is wide enough again (a wider window, the
 * file list narrowed, or the full-height diff, which takes the whole window).
 */
export const MIN_SIDE_PX = 450;

export type DiffMode = 'side-by-side' | 'inline';

export interface DiffLayout {
  readonly mode: DiffMode;
  /** Side by side was chosen but does not fit: shown inline. */
  readonly autoInline: boolean;
}

/** `width`: the diff pane's width in CSS pixels (0 before it is measured: inline, not a flash of two panes). */
export function diffLayout(preferred: DiffMode, width: number): DiffLayout {
  if (preferred === 'inline') return { mode: 'inline', autoInline: false };
  const fits = width >= 2 * MIN_SIDE_PX;
  return { mode: fits ? 'side-by-side' : 'inline', autoInline: !fits };
}
