import { describe, expect, it } from 'vitest';
import { diffLayout, MIN_SIDE_PX } from '../../renderer/src/lib/diff-layout.js';

describe('diff layout', () => {
  it('side by side only while each side gets 450 px; the choice is kept, the reason is said', () => {
    expect(MIN_SIDE_PX).toBe(450);
    expect(diffLayout('side-by-side', 900)).toEqual({ mode: 'side-by-side', autoInline: false });
    expect(diffLayout('side-by-side', 899)).toEqual({ mode: 'inline', autoInline: true });
    expect(diffLayout('side-by-side', 583)).toEqual({ mode: 'inline', autoInline: true }); // 1024 px window
    expect(diffLayout('side-by-side', 0)).toEqual({ mode: 'inline', autoInline: true }); // not measured yet
    expect(diffLayout('inline', 2000)).toEqual({ mode: 'inline', autoInline: false });
  });
});
