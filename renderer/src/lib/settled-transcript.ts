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
}

export interface SettledTranscript {
  readonly transcript: Transcript;
  readonly tail: StreamTailInfo | null;
}

/** Carried from one batch to the next, per session. */
export interface SettleMemo {
  readonly settled: SettledTranscript;
  readonly turnId: string | null;
  readonly retries: number;
  readonly scan: SettleScan;
}

export function settleTranscript(transcript: Transcript, previous: SettleMemo | undefined): SettleMemo {
  const last = transcript.items.at(-1);
  if (last === undefined || last.kind !== 'turn' || !last.streaming) {
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
  const previousTurn = continues ? previous.settled.transcript.items.at(-1) : undefined;
  const turn: TurnItem =
    previousTurn?.kind === 'turn' && previous?.scan.end === scan.end && sameTurnApartFromText(previousTurn, last)
      ? previousTurn
      : { ...last, streamed: settledText(last.streamed, scan) };
  const before = transcript.items.slice(0, -1);
  const tail: StreamTailInfo = {
    session: transcript.session,
    turnId: last.id,
    from: scan.end,
    code: scan.endInFence,
    persona: last.persona,
  };
  if (
    previous !== undefined &&
    continues &&
    turn === previousTurn &&
    sameItems(previous.settled.transcript, before) &&
    sameState(previous.settled.transcript, transcript)
  ) {
    return { settled: previous.settled, turnId: last.id, retries: last.retries.length, scan }; // same end, so the same tail
  }
  return {
    settled: { transcript: { ...transcript, items: [...before, turn] }, tail },
    turnId: last.id,
    retries: last.retries.length,
    scan,
  };
}

function sameTurnApartFromText(a: TurnItem, b: TurnItem): boolean {
  return (
    a.id === b.id && a.streaming === b.streaming && a.retries.length === b.retries.length && a.usage === b.usage && a.final === b.final
  );
}

/** The items before the streaming turn are the same objects (the reducer keeps unchanged items). */
function sameItems(settled: Transcript, before: Transcript['items']): boolean {
  const items = settled.items;
  if (items.length !== before.length + 1) return false;
  for (let i = 0; i < before.length; i++) if (items[i] !== before[i]) return false;
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
