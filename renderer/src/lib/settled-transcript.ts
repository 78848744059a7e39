import { scanSettled, settledText, UNSCANNED, type SettleScan } from './stream-settle.js';
import type { Transcript, TurnItem } from './transcript-reducer.js';

/**
 * What the session view renders with React: the transcript with its streaming reply cut back to the
 * settled prefix (stream-settle.ts), plus where the live tail starts. Its identity changes only when
 * something React draws changes — a block closes, a fence chunk fills, another item arrives — not with
 * every frame's tokens, which the tail appends to the page by itself (StreamTail.tsx).
 */
export interface StreamTailInfo {
  readonly session: string;
  readonly turnId: string;
  /** Where the tail starts in the turn's streamed text. */
  readonly from: number;
  /** The tail continues a fence (shown as code) rather than prose. */
  readonly code: boolean;
  readonly persona: TurnItem['persona'];
  /**
   * Items logged after the streaming turn (they are drawn below the tail, in log order). A turn held
   * back for memory logs its `turn.queued` notes after `turn.started`, so the reply that streams is
   * then not the last item; without this the whole reply would go back to React every frame.
   */
  readonly after: number;
}

export interface SettledTranscript {
  readonly transcript: Transcript;
  readonly tail: StreamTailInfo | null;
}

/**
 * How many items may follow the streaming turn and still let the tail draw it (they are laid out
 * below the tail without the list's virtualisation). A turn is followed by its own wait notices — one
 * each time the free memory it waits for changes, so a long wait logs dozens; past this many the view
 * falls back to drawing the reply with React.
 */
export const MAX_ITEMS_AFTER_TAIL = 64;

/** Carried from one batch to the next, per session. */
export interface SettleMemo {
  readonly settled: SettledTranscript;
  readonly turnId: string | null;
  readonly retries: number;
  readonly scan: SettleScan;
}

export function settleTranscript(transcript: Transcript, previous: SettleMemo | undefined): SettleMemo {
  const at = streamingTurnIndex(transcript.items);
  const last = at >= 0 ? (transcript.items[at] as TurnItem) : undefined;
  if (last === undefined) {
    const settled = previous !== undefined && previous.settled.transcript === transcript ? previous.settled : { transcript, tail: null };
    return { settled, turnId: null, retries: 0, scan: UNSCANNED };
  }
  // The same stream as last time continues its scan; a retry restarts the text, so the scan too.
  const continues =
    previous !== undefined &&
    previous.turnId === last.id &&
    previous.retries === last.retries.length &&
    previous.scan.scanned <= last.streamed.length;
  const scan = scanSettled(last.streamed, continues ? previous.scan : UNSCANNED);
  const previousTail = continues ? previous.settled.tail : null;
  const previousItems = continues ? previous.settled.transcript.items : [];
  const previousTurn = previousTail !== null ? previousItems[previousItems.length - 1 - previousTail.after] : undefined;
  const turn: TurnItem =
    previousTurn?.kind === 'turn' && previous?.scan.end === scan.end && sameTurnApartFromText(previousTurn, last)
      ? previousTurn
      : { ...last, streamed: settledText(last.streamed, scan) };
  const after = transcript.items.length - 1 - at;
  if (
    previous !== undefined &&
    previousTail !== null &&
    turn === previousTurn &&
    previousTail.after === after &&
    sameItemsAround(previousItems, transcript.items, at) &&
    sameState(previous.settled.transcript, transcript)
  ) {
    return { settled: previous.settled, turnId: last.id, retries: last.retries.length, scan }; // same end, so the same tail
  }
  const tail: StreamTailInfo = {
    session: transcript.session,
    turnId: last.id,
    from: scan.end,
    code: scan.endInFence,
    persona: last.persona,
    after,
  };
  const items = [...transcript.items];
  items[at] = turn;
  return {
    settled: { transcript: { ...transcript, items }, tail },
    turnId: last.id,
    retries: last.retries.length,
    scan,
  };
}

/** Where the reply that is streaming now sits: the last item, or just before the few items logged after it. */
function streamingTurnIndex(items: Transcript['items']): number {
  const stop = Math.max(0, items.length - 1 - MAX_ITEMS_AFTER_TAIL);
  for (let i = items.length - 1; i >= stop; i--) {
    const item = items[i];
    if (item?.kind === 'turn') return item.streaming ? i : -1;
  }
  return -1;
}

function sameTurnApartFromText(a: TurnItem, b: TurnItem): boolean {
  return (
    a.id === b.id && a.streaming === b.streaming && a.retries.length === b.retries.length && a.usage === b.usage && a.final === b.final
  );
}

/** Every item but the streaming turn (at `at`) is the same object (the reducer keeps unchanged items). */
function sameItemsAround(settled: Transcript['items'], items: Transcript['items'], at: number): boolean {
  if (settled.length !== items.length) return false;
  for (let i = 0; i < items.length; i++) if (i !== at && settled[i] !== items[i]) return false;
  return true;
}

/** What the header and the rows read besides the items (lastSeq and ignored change with every event). */
function sameState(a: Transcript, b: Transcript): boolean {
  const x = a.projection;
  const y = b.projection;
  if (x === null || y === null) return x === y;
  // (The projection shares every part an event did not change, so identity says "unchanged".)
  return (
    x.state === y.state &&
    x.series === y.series &&
    x.attempts === y.attempts &&
    x.totalTokens === y.totalTokens &&
    x.tokens === y.tokens &&
    x.turn === y.turn &&
    x.queued === y.queued &&
    x.rolledBackTo === y.rolledBackTo
  );
}
