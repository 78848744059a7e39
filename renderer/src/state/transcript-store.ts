import { create } from 'zustand';
import type { SessionEvent } from '../../../src/api/events.js';
import { errorText } from '../lib/api-errors.js';
import { settleTranscript, type SettledTranscript, type SettleMemo } from '../lib/settled-transcript.js';
import { applyEvents, emptyTranscript, type Transcript } from '../lib/transcript-reducer.js';
import { api } from './api-instance.js';

/**
 * Live transcripts of the sessions this window follows. Events arrive batched (one animation
 * frame's worth, see event-router.ts) and are folded by the pure reducer. A transcript is kept
 * after its stream is unfollowed, and following again continues after its last seq — the API
 * client never delivers an event twice, so nothing is lost or doubled.
 */
type FollowState = { readonly state: 'loading' } | { readonly state: 'ready' } | { readonly state: 'error'; readonly error: string };

interface TranscriptStore {
  /** Everything received (what the probe checks token by token). */
  readonly transcripts: Readonly<Record<string, Transcript>>;
  /** What the session view draws: a new object only when a block settles (settled-transcript.ts). */
  readonly settled: Readonly<Record<string, SettledTranscript>>;
  readonly follow: Readonly<Record<string, FollowState>>;
  apply(events: readonly SessionEvent[]): void;
  /** Follow exactly these sessions (subscribe the new ones, unsubscribe the rest). */
  syncFollows(ids: readonly string[]): void;
}

const followed = new Set<string>();
const settleMemos = new Map<string, SettleMemo>();

export const useTranscriptStore = create<TranscriptStore>((set) => ({
  transcripts: {},
  settled: {},
  follow: {},
  apply(events) {
    const bySession = new Map<string, SessionEvent[]>();
    for (const event of events) {
      const list = bySession.get(event.session);
      if (list === undefined) bySession.set(event.session, [event]);
      else list.push(event);
    }
    set((state) => {
      const transcripts = { ...state.transcripts };
      let settled = state.settled;
      for (const [session, list] of bySession) {
        const transcript = applyEvents(transcripts[session] ?? emptyTranscript(session), list);
        transcripts[session] = transcript;
        const memo = settleTranscript(transcript, settleMemos.get(session));
        settleMemos.set(session, memo);
        if (settled[session] !== memo.settled) settled = { ...settled, [session]: memo.settled };
      }
      return { transcripts, settled };
    });
  },
  syncFollows(ids) {
    const wanted = new Set(ids);
    for (const id of [...followed]) {
      if (wanted.has(id)) continue;
      followed.delete(id);
      void api().unsubscribe(id);
    }
    for (const id of wanted) {
      if (followed.has(id)) continue;
      followed.add(id);
      set((state) => ({
        follow: { ...state.follow, [id]: state.transcripts[id] !== undefined ? { state: 'ready' } : { state: 'loading' } },
      }));
      void api()
        .subscribe(id)
        .then((answer) => {
          set((state) => ({
            follow: { ...state.follow, [id]: answer.ok ? { state: 'ready' } : { state: 'error', error: errorText(answer.error) } },
          }));
          if (!answer.ok) followed.delete(id);
        });
    }
  },
}));
