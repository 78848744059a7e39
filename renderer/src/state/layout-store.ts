import { create } from 'zustand';
import type { SessionTab } from '../lib/route.js';

/**
 * The dashboard's pane sizes: the session list's and the diff side panel's widths (dragged with a
 * splitter, or its arrow keys), and whether the session list is shown next to each tab. The diff
 * gets the width by default: on "Changes" the list starts hidden. Kept in localStorage per origin.
 */
export const LIST_WIDTH = { min: 220, max: 520, initial: 300 } as const;
export const DIFF_SIDE_WIDTH = { min: 180, max: 480, initial: 240 } as const;

const STORAGE_KEY = 'mlx-factory.layout.v1';

interface Saved {
  readonly listWidth: number;
  readonly diffSideWidth: number;
  readonly listHidden: Readonly<Record<SessionTab, boolean>>;
}

const DEFAULTS: Saved = {
  listWidth: LIST_WIDTH.initial,
  diffSideWidth: DIFF_SIDE_WIDTH.initial,
  listHidden: { transcript: false, diff: true },
};

const clamp = (value: number, range: { min: number; max: number }): number => Math.round(Math.min(range.max, Math.max(range.min, value)));

function load(): Saved {
  try {
    const raw = window.localStorage.getItem(STORAGE_KEY);
    if (raw === null) return DEFAULTS;
    const parsed = JSON.parse(raw) as Partial<Saved>;
    return {
      listWidth: typeof parsed.listWidth === 'number' ? clamp(parsed.listWidth, LIST_WIDTH) : DEFAULTS.listWidth,
      diffSideWidth: typeof parsed.diffSideWidth === 'number' ? clamp(parsed.diffSideWidth, DIFF_SIDE_WIDTH) : DEFAULTS.diffSideWidth,
      listHidden: {
        transcript: parsed.listHidden?.transcript === true,
        diff: parsed.listHidden?.diff !== false,
      },
    };
  } catch {
    return DEFAULTS;
  }
}

interface LayoutStore extends Saved {
  /** The tab the list toggle applies to (the open session's). */
  readonly activeTab: SessionTab;
  setListWidth(width: number): void;
  setDiffSideWidth(width: number): void;
  setActiveTab(tab: SessionTab): void;
  toggleList(): void;
}

function save(state: Saved): void {
  try {
    window.localStorage.setItem(
      STORAGE_KEY,
      JSON.stringify({ listWidth: state.listWidth, diffSideWidth: state.diffSideWidth, listHidden: state.listHidden }),
    );
  } catch {
    // Private mode or no storage: sizes last for this page only.
  }
}

export const useLayoutStore = create<LayoutStore>((set, get) => ({
  ...load(),
  activeTab: 'transcript',
  setListWidth(width) {
    set({ listWidth: clamp(width, LIST_WIDTH) });
    save(get());
  },
  setDiffSideWidth(width) {
    set({ diffSideWidth: clamp(width, DIFF_SIDE_WIDTH) });
    save(get());
  },
  setActiveTab: (activeTab) => set({ activeTab }),
  toggleList() {
    const tab = get().activeTab;
    set((s) => ({ listHidden: { ...s.listHidden, [tab]: !s.listHidden[tab] } }));
    save(get());
  },
}));
