import { create } from 'zustand';
import type { Confirmation } from '../lib/merge-summary.js';
import { formatRoute, parseRoute, type Route } from '../lib/route.js';

/** Where the window is (the hash route), the confirmation dialog, and passing notices (toasts). */
interface Toast {
  readonly id: number;
  readonly tone: 'info' | 'success' | 'danger';
  readonly text: string;
}

interface PendingConfirmation extends Confirmation {
  /** `edited`: the text of `edit`, as the user left it. */
  readonly onConfirm: (edited?: string) => void | Promise<unknown>;
}

interface UiStore {
  readonly route: Route;
  readonly confirmation: PendingConfirmation | null;
  readonly toasts: readonly Toast[];
  /** The `?` sheet of keyboard shortcuts. */
  readonly shortcutsOpen: boolean;
  setShortcutsOpen(open: boolean): void;
  navigate(route: Route): void;
  syncFromLocation(): void;
  confirm(confirmation: PendingConfirmation): void;
  dismissConfirmation(): void;
  toast(tone: Toast['tone'], text: string): void;
  dismissToast(id: number): void;
}

let toastId = 0;

export const useUiStore = create<UiStore>((set, get) => ({
  route: parseRoute(window.location.hash),
  confirmation: null,
  toasts: [],
  shortcutsOpen: false,
  setShortcutsOpen: (shortcutsOpen) => set({ shortcutsOpen }),
  navigate(route) {
    const hash = formatRoute(route);
    if (window.location.hash !== hash) window.location.hash = hash;
    set({ route });
  },
  syncFromLocation: () => set({ route: parseRoute(window.location.hash) }),
  confirm: (confirmation) => set({ confirmation }),
  dismissConfirmation: () => set({ confirmation: null }),
  toast(tone, text) {
    const id = ++toastId;
    set((s) => ({ toasts: [...s.toasts.slice(-3), { id, tone, text }] }));
    setTimeout(() => get().dismissToast(id), tone === 'danger' ? 8000 : 4000);
  },
  dismissToast: (id) => set((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) })),
}));
