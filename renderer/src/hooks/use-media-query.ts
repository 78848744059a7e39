import { useSyncExternalStore } from 'react';

/** Whether a CSS media query matches now, kept current as the window resizes. */
export function useMediaQuery(query: string): boolean {
  return useSyncExternalStore(
    (onChange) => {
      const list = window.matchMedia(query);
      list.addEventListener('change', onChange);
      return () => list.removeEventListener('change', onChange);
    },
    () => window.matchMedia(query).matches,
  );
}

/** One column (list or detail, with a back button) below this width. */
export const NARROW_QUERY = '(max-width: 759px)';
