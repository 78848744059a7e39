import { memo, useLayoutEffect, useRef } from 'react';
import type { StreamTailInfo } from '../../lib/settled-transcript.js';
import type { Transcript } from '../../lib/transcript-reducer.js';
import { useTranscriptStore } from '../../state/transcript-store.js';

/**
 * The open end of a streaming reply, drawn without React: each frame's new text is appended as a text
 * node, so 500 tokens a second cost a few DOM appends per frame, not a re-render and re-parse of the
 * reply. When the text settles (a block closes, a fence chunk fills) the formatted rows above take it
 * over and this starts again from the new `from`.
 */
const APPEND_EVERY_MS = 33;
/** Frames are ~16.7 ms apart give or take a little: every other frame counts as due. */
const FRAME_SLACK_MS = 4;

export const StreamTail = memo(function StreamTail({ tail, onGrow }: { tail: StreamTailInfo; onGrow: () => void }) {
  const ref = useRef<HTMLPreElement>(null);
  useLayoutEffect(() => {
    const pre = ref.current;
    if (pre === null) return;
    pre.textContent = '';
    let shown = tail.from;
    // One block per line: new text changes only the last line's layout, not the whole tail's.
    let line: Text | null = null;
    const newLine = (): Text => {
      const block = document.createElement('div');
      block.className = 'tail-line';
      const text = document.createTextNode('');
      block.appendChild(text);
      pre.appendChild(block);
      return text;
    };
    /** Appends what the turn streamed since the last call; false when nothing new came. */
    const append = (transcript: Transcript | undefined): boolean => {
      // The streaming turn: last, or followed by `after` items (its wait notices).
      const turn = transcript?.items.at(-1 - tail.after);
      if (turn === undefined || turn.kind !== 'turn' || turn.id !== tail.turnId || turn.streamed.length <= shown) return false;
      const parts = turn.streamed.slice(shown).split('\n');
      shown = turn.streamed.length;
      parts.forEach((part, index) => {
        if (index > 0 || line === null) line = newLine();
        if (part !== '') line.appendData(part);
      });
      onGrow();
      return true;
    };
    append(useTranscriptStore.getState().transcripts[tail.session]);
    let appendedAt = performance.now();
    // At most one append per APPEND_EVERY_MS: every append costs the page a style, layout, paint
    // and scroll, whatever its size, and 30 updates a second read as smoothly as 60. Appends run in
    // an animation frame (the store changes in one, see event-router.ts), so the layout the scroll
    // to the end forces is the frame's own, not a second one in a task of its own between frames.
    let frame: number | undefined;
    const appendDue = (): void => {
      frame = undefined;
      const state = useTranscriptStore.getState();
      // Settled further (or the turn ended): the re-render that follows draws it; appending here
      // would show those lines twice for a frame.
      if (state.settled[tail.session]?.tail !== tail) return;
      const now = performance.now();
      if (now - appendedAt < APPEND_EVERY_MS - FRAME_SLACK_MS) {
        frame = requestAnimationFrame(appendDue);
        return;
      }
      // (Another session's tokens change the store too: only text of this one restarts the wait.)
      if (append(state.transcripts[tail.session])) appendedAt = now;
    };
    const unsubscribe = useTranscriptStore.subscribe(() => {
      if (frame === undefined) appendDue();
    });
    return () => {
      unsubscribe();
      if (frame !== undefined) cancelAnimationFrame(frame);
    };
  }, [tail, onGrow]);
  return (
    <div className="transcript-tail">
      <div className={`turn-body ${tail.persona} last`}>
        <pre ref={ref} className={`stream-tail ${tail.code ? 'code' : 'prose'}`} data-from={tail.from} />
      </div>
    </div>
  );
});
