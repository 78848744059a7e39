import { describe, expect, it } from 'vitest';
import { groupsOf, groupView, isGroupId, siblingTemperature } from '../../src/api/group-projection.js';
import { sessionInfoFixture } from '../support/session-info-fixture.js';

const G = 'g2612062030-abc123';
const sibling = (index: number, over: Parameters<typeof sessionInfoFixture>[1] = {}) =>
  sessionInfoFixture(`s${index}`, { group: { id: G, index, size: 3, temperature: siblingTemperature(index, 3, 0) }, ...over });

describe('groupView (a pure projection over the siblings’ rows)', () => {
  it('runs while any sibling runs, even after one passed; then the passed one is the winner', () => {
    const running = groupView([
      sibling(0, { state: 'running', outcome: null }),
      sibling(2, { state: 'passed' }),
      sibling(1, { state: 'running', outcome: null }),
    ]);
    expect(running).toMatchObject({ id: G, size: 3, state: 'running', winner: 's2' });
    expect(running.siblings.map((s) => s.id)).toEqual(['s0', 's1', 's2']);
    const done = groupView([
      sibling(0, { state: 'cancelled', outcome: 'cancelled' }),
      sibling(1, { state: 'cancelled', outcome: 'cancelled' }),
      sibling(2),
    ]);
    expect(done).toMatchObject({ state: 'passed', winner: 's2' });
    expect(groupView([sibling(0, { state: 'cancelled', outcome: 'cancelled' }), sibling(2, { state: 'merged', merged: true })]).state).toBe(
      'merged',
    );
  });

  it('is interrupted when none passed and a sibling can go on, failed when all ended without passing, discarded when all were', () => {
    expect(
      groupView([sibling(0, { state: 'interrupted', outcome: null }), sibling(1, { state: 'failed', outcome: 'failed' })]),
    ).toMatchObject({
      state: 'interrupted',
      winner: null,
    });
    expect(
      groupView([sibling(0, { state: 'failed', outcome: 'failed' }), sibling(1, { state: 'stagnated', outcome: 'stagnated' })]).state,
    ).toBe('failed');
    expect(groupView([sibling(0, { state: 'discarded' }), sibling(1, { state: 'discarded' })]).state).toBe('discarded');
    // A passed sibling rolled back to an unchecked step is no winner.
    expect(groupView([sibling(0, { rolledBackTo: 0 }), sibling(1, { state: 'failed', outcome: 'failed' })]).winner).toBeNull();
  });

  it('groupsOf leaves sessions on their own out', () => {
    const groups = groupsOf([sibling(0), sessionInfoFixture('alone'), sibling(1, { state: 'failed', outcome: 'failed' })]);
    expect([...groups.keys()]).toEqual([G]);
    expect(groups.get(G)?.siblings).toHaveLength(2);
  });
});

describe('siblingTemperature', () => {
  it('keeps sibling 1 at the configured temperature and spreads the others over 0.3–0.8', () => {
    expect([0, 1, 2, 3].map((i) => siblingTemperature(i, 4, 0.2))).toEqual([0.2, 0.3, 0.55, 0.8]);
    expect([0, 1].map((i) => siblingTemperature(i, 2, 0))).toEqual([0, 0.55]);
    expect(new Set([0, 1, 2, 3, 4, 5, 6, 7].map((i) => siblingTemperature(i, 8, 0))).size).toBe(8);
  });
  it('tells group ids from session ids', () => {
    expect(isGroupId(G)).toBe(true);
    expect(isGroupId('2612062030-abc123')).toBe(false);
  });
});
