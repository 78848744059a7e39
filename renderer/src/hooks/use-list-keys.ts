import type { KeyboardEvent } from 'react';

/**
 * Arrow keys in a list (sessions, changed files, timeline): ↑/↓ move the selection, Home/End jump,
 * and the newly selected row is scrolled into view. Returns the list's onKeyDown.
 */
export function useListKeys<T>(
  items: readonly T[],
  selectedIndex: number,
  select: (item: T, index: number) => void,
  rowId: (index: number) => string,
) {
  return (event: KeyboardEvent<HTMLElement>): void => {
    if (items.length === 0) return;
    let next = selectedIndex;
    if (event.key === 'ArrowDown') next = selectedIndex < 0 ? 0 : Math.min(items.length - 1, selectedIndex + 1);
    else if (event.key === 'ArrowUp') next = selectedIndex < 0 ? items.length - 1 : Math.max(0, selectedIndex - 1);
    else if (event.key === 'Home') next = 0;
    else if (event.key === 'End') next = items.length - 1;
    else return;
    event.preventDefault();
    const item = items[next];
    if (item === undefined || next === selectedIndex) return;
    select(item, next);
    document.getElementById(rowId(next))?.scrollIntoView({ block: 'nearest' });
  };
}
