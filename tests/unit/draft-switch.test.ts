import { expect, it } from 'vitest';
import { DraftSwitch, type RelaunchTarget } from '../../src/server/serving/draft-switch.js';

/** A supervisor as the switch sees it: requests in flight, and restarts that relaunch with the switch's flags. */
class FakeTarget implements RelaunchTarget {
  requestsInFlight = 0;
  launchedHere = true;
  readonly restarts: string[] = [];
  readonly launches: string[][] = [];
  private readonly drained = new Set<() => void>();
  constructor(private readonly draft: DraftSwitch) {}
  onRequestsDrained(listener: () => void): () => void {
    this.drained.add(listener);
    return () => this.drained.delete(listener);
  }
  async restartFor(detail: string): Promise<void> {
    this.restarts.push(detail);
    this.launches.push(this.draft.launchFlags().args);
  }
  note(): void {}
  end(): void {
    this.requestsInFlight -= 1;
    if (this.requestsInFlight === 0) for (const l of [...this.drained]) l();
  }
}

it('uses the draft for one session, drops it for two only once no request is in flight, and takes it back for one', async () => {
  const draft = new DraftSwitch({ model: '/m/draft', tokens: 3 });
  const target = new FakeTarget(draft);
  draft.attach(target);
  expect(draft.launchFlags().args).toEqual(['--draft-model', '/m/draft', '--num-draft-tokens', '3']);
  draft.setSessions(1);
  expect(target.restarts).toEqual([]);

  target.requestsInFlight = 1; // a turn runs
  draft.setSessions(2);
  expect(target.restarts).toEqual([]); // not in the middle of a turn
  target.end();
  await draft.settled();
  expect(target.restarts).toHaveLength(1);
  expect(target.restarts[0]).toMatch(/^Restarting without the draft model \/m\/draft: 2 sessions run now/);
  expect(target.launches[0]).toEqual([]);
  expect(draft.inUse).toBe(false);

  draft.setSessions(3); // still several: nothing to do
  await draft.settled();
  expect(target.restarts).toHaveLength(1);
  draft.setSessions(1);
  await draft.settled();
  expect(target.restarts).toHaveLength(2);
  expect(target.launches[1]).toContain('--draft-model');
});

it('starts a group without the draft, never restarts an adopted server, and does nothing without a draft model', async () => {
  const group = new DraftSwitch({ model: 'd', tokens: 2 }, 4);
  expect(group.launchFlags()).toEqual({ args: [], note: expect.stringMatching(/^Without the draft model d: 4 sessions run/) });

  const adopted = new DraftSwitch({ model: 'd', tokens: 2 });
  const target = new FakeTarget(adopted);
  adopted.attach(target);
  adopted.launchFlags();
  target.launchedHere = false;
  adopted.setSessions(2);
  await adopted.settled();
  expect(target.restarts).toEqual([]);

  const none = new DraftSwitch(null);
  const t2 = new FakeTarget(none);
  none.attach(t2);
  expect(none.launchFlags()).toEqual({ args: [], note: undefined });
  none.setSessions(5);
  expect(t2.restarts).toEqual([]);
});
