import type { GroupView } from '../../../../src/api/group-projection.js';

const STATE_LABEL: Readonly<Record<GroupView['state'], { label: string; tone: string }>> = {
  running: { label: 'Running', tone: 'accent' },
  passed: { label: 'Winner found', tone: 'success' },
  merged: { label: 'Merged', tone: 'success' },
  interrupted: { label: 'Interrupted', tone: 'warning' },
  failed: { label: 'None passed', tone: 'danger' },
  discarded: { label: 'Discarded', tone: 'neutral' },
};

/** The line above a best-of-K group's siblings: K, the group's state, and a jump to the winner. */
export function GroupRow({ group, onSelect }: { group: GroupView; onSelect: (id: string) => void }) {
  const state = STATE_LABEL[group.state];
  const winnerIndex = group.siblings.findIndex((s) => s.id === group.winner);
  return (
    <div className="group-row" data-group={group.id} role="presentation">
      <span className="group-row-title">Best of {group.size}</span>
      <span className={`badge ${state.tone}`}>{state.label}</span>
      {group.winner !== null && (
        <button type="button" className="link-btn" onClick={() => onSelect(group.winner ?? '')} title={group.winner}>
          winner #{winnerIndex + 1}
        </button>
      )}
    </div>
  );
}
