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
    const append = (transcript: Transcript | undefined): void => {
      const turn = transcript?.items.at(-1);
      if (turn === undefined || turn.kind !== 'turn' || turn.id !== tail.turnId || turn.streamed.length <= shown) return;
      const parts = turn.streamed.slice(shown).split('\n');
      shown = turn.streamed.length;
      parts.forEach((part, index) => {
        if (index > 0 || line === null) line = newLine();
        if (part !== '') line.appendData(part);
      });
      onGrow();
    };
    append(useTranscriptStore.getState().transcripts[tail.session]);
    // At most one append per APPEND_EVERY_MS: every append costs the page a style, layout, paint
    // and scroll, whatever its size, and 30 updates a second read as smoothly as 60.
    let timer: number | undefined;
    const unsubscribe = useTranscriptStore.subscribe(() => {
      timer ??= window.setTimeout(() => {
        timer = undefined;
        const state = useTranscriptStore.getState();
        // Settled further (or the turn ended): the re-render that follows draws it; appending here
        // would show those lines twice for a frame.
        if (state.settled[tail.session]?.tail !== tail) return;
        append(state.transcripts[tail.session]);
      }, APPEND_EVERY_MS);
    });
    return () => {
      unsubscribe();
      if (timer !== undefined) window.clearTimeout(timer);
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
