import { useSyncExternalStore } from 'react';

const query = (): MediaQueryList => window.matchMedia('(prefers-color-scheme: dark)');

/** Follows the system's light/dark appearance (Monaco needs it as a theme name, CSS does it alone). */
export function usePrefersDark(): boolean {
  return useSyncExternalStore(
    (onChange) => {
      const list = query();
      list.addEventListener('change', onChange);
      return () => list.removeEventListener('change', onChange);
    },
    () => query().matches,
  );
}
