import { useTranscriptStore } from './transcript-store.js';

/**
 * A read-only window onto the transcript store for the e2e test and the UI bench, which must
 * check that every streamed token arrived exactly once even though the virtualised list keeps
 * only the visible rows in the DOM. Installed only when the page is opened with `?probe=1`.
 */
interface TranscriptProbe {
  turns(session: string): Array<{ attempt: number; persona: string; streamed: string; final: string | null; streaming: boolean }>;
  ignored(session: string): number;
}

export function installProbe(): void {
  if (!new URLSearchParams(window.location.search).has('probe')) return;
  const probe: TranscriptProbe = {
    turns(session) {
      const transcript = useTranscriptStore.getState().transcripts[session];
      if (transcript === undefined) return [];
      return transcript.items.flatMap((item) =>
        item.kind === 'turn'
          ? [{ attempt: item.attempt, persona: item.persona, streamed: item.streamed, final: item.final, streaming: item.streaming }]
          : [],
      );
    },
    ignored: (session) => useTranscriptStore.getState().transcripts[session]?.ignored ?? 0,
  };
  (window as unknown as { __factoryProbe: TranscriptProbe }).__factoryProbe = probe;
}
