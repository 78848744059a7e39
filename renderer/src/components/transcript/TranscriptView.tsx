import { useVirtualizer } from '@tanstack/react-virtual';
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import type { StreamTailInfo } from '../../lib/settled-transcript.js';
import type { Transcript } from '../../lib/transcript-reducer.js';
import { TranscriptRowCache, type TranscriptRow } from '../../lib/transcript-rows.js';
import { Icon } from '../common/Icon.js';
import { StreamTail } from './StreamTail.js';
import { TranscriptRowView } from './TranscriptRowView.js';

/**
 * The live transcript: virtualised rows (only what is on screen is in the DOM, however long the
 * session), following the end while new text arrives — until the user scrolls up, which stops
 * the following and offers a button back to the latest.
 */
const BOTTOM_SLACK_PX = 48;

function estimate(row: TranscriptRow | undefined): number {
  if (row === undefined) return 24;
  switch (row.kind) {
    case 'turn-header':
      return 38;
    case 'block':
      return row.block.type === 'list'
        ? 22 * row.block.items.length + 8
        : row.block.type === 'paragraph'
          ? 20 * Math.max(1, Math.ceil(row.block.text.length / 110)) + 10
          : 30;
    case 'fence':
      return 18 * row.lines.length + (row.first ? 28 : 0) + (row.last ? 12 : 0);
    case 'exec-output':
      return 17 * row.text.split('\n').length + (row.first ? 8 : 0) + (row.last ? 8 : 0);
    case 'exec-header':
    case 'exec-footer':
      return 34;
    case 'item':
      return row.item.kind === 'verdict' ? 90 : 36;
  }
}

/**
 * `transcript` is the settled one (its streaming reply cut where the text is final) and `tail` the
 * live rest, drawn below the rows by StreamTail (and above the few items logged after the reply):
 * this component re-renders when a block settles, not per frame of tokens.
 */
export function TranscriptView({ transcript, tail = null }: { transcript: Transcript; tail?: StreamTailInfo | null }) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const innerRef = useRef<HTMLDivElement>(null);
  const cache = useMemo(() => new TranscriptRowCache(), [transcript.session]);
  const all = useMemo(() => cache.rows(transcript), [cache, transcript]);
  // The items logged after the streaming reply (its wait notices) are drawn below the tail, in order.
  const afterItems = tail?.after ?? 0;
  const { rows, after } = useMemo(() => {
    if (afterItems === 0) return { rows: all, after: [] };
    const count = transcript.items.slice(-afterItems).reduce((n, item) => n + cache.rowsOf(item).length, 0);
    return { rows: all.slice(0, all.length - count), after: all.slice(all.length - count) };
  }, [cache, all, transcript, afterItems]);
  const [following, setFollowing] = useState(true);
  const followingRef = useRef(true);
  const userIntent = useRef(0);

  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: (index) => estimate(rows[index]),
    getItemKey: (index) => rows[index]?.key ?? index,
    overscan: 6,
    // Let React batch the re-render a scroll causes instead of forcing one per scroll event: while
    // following a stream, every frame scrolls.
    useFlushSync: false,
  });

  const setFollow = useCallback((value: boolean) => {
    followingRef.current = value;
    setFollowing(value);
  }, []);

  /** Where our own scrolling left the view: a scroll event there is ours, not the user's. */
  const autoScrollTop = useRef(-1);
  const toBottom = useCallback(() => {
    const el = scrollRef.current;
    if (el === null) return;
    el.scrollTop = el.scrollHeight;
    autoScrollTop.current = el.scrollTop;
  }, []);

  // New rows (or a row that grew): keep the end in view while following.
  useLayoutEffect(() => {
    if (followingRef.current) toBottom();
  }, [rows, toBottom]);

  // Rows measured after render change the total height: follow that too.
  useEffect(() => {
    const inner = innerRef.current;
    if (inner === null) return;
    const observer = new ResizeObserver(() => {
      if (followingRef.current) toBottom();
    });
    observer.observe(inner);
    return () => observer.disconnect();
  }, [toBottom]);

  const onTailGrow = useCallback(() => {
    if (followingRef.current) toBottom();
  }, [toBottom]);

  const onScroll = (): void => {
    const el = scrollRef.current;
    if (el === null) return;
    // Our own scroll to the end (every frame while following): nothing to decide.
    if (followingRef.current && Math.abs(el.scrollTop - autoScrollTop.current) < 2) return;
    const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight <= BOTTOM_SLACK_PX;
    if (atBottom) {
      if (!followingRef.current) setFollow(true);
    } else if (Date.now() - userIntent.current < 800 && followingRef.current) {
      // Only a scroll the user made stops the following (not one caused by rows being measured).
      setFollow(false);
    }
  };
  const markIntent = (): void => {
    userIntent.current = Date.now();
  };

  const items = virtualizer.getVirtualItems();
  return (
    <div className="transcript-wrap">
      <div
        ref={scrollRef}
        className="transcript-scroll"
        onScroll={onScroll}
        onWheel={(e) => {
          markIntent();
          if (e.deltaY < 0 && followingRef.current) setFollow(false);
        }}
        onPointerDown={markIntent}
        onKeyDown={(e) => {
          markIntent();
          if (['ArrowUp', 'PageUp', 'Home'].includes(e.key) && followingRef.current) setFollow(false);
        }}
        onTouchStart={markIntent}
        tabIndex={0}
        role="log"
        aria-label="Transcript"
        aria-live="off"
        data-rows={rows.length}
        data-following={following}
        data-tail={tail !== null ? '' : undefined}
      >
        <div ref={innerRef} className="transcript-inner" style={{ height: virtualizer.getTotalSize() }}>
          {items.map((item) => {
            const row = rows[item.index];
            if (row === undefined) return null;
            return (
              <div
                key={item.key}
                ref={virtualizer.measureElement}
                data-index={item.index}
                className="transcript-row"
                style={{ transform: `translateY(${item.start}px)` }}
              >
                <TranscriptRowView row={row} />
              </div>
            );
          })}
        </div>
        {tail !== null && <StreamTail tail={tail} onGrow={onTailGrow} />}
        {after.length > 0 && (
          <div className="transcript-after">
            {after.map((row) => (
              <div key={row.key} className="transcript-row in-flow">
                <TranscriptRowView row={row} />
              </div>
            ))}
          </div>
        )}
      </div>
      {!following && (
        <button
          type="button"
          className="jump-latest"
          onClick={() => {
            setFollow(true);
            toBottom();
          }}
        >
          <Icon name="arrow-down" size={12} /> Latest
        </button>
      )}
    </div>
  );
}
