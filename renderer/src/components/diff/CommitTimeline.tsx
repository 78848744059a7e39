import type { SessionCommit, SessionInfo } from '../../../../src/api/payloads.js';
import { plural, shortSha } from '../../lib/display-format.js';
import { stepOutcome } from '../../lib/step-outcome.js';

/**
 * The session's commits, oldest first, after its base: pick one to see only what it changed, or
 * roll the session back to it (later commits stay reachable under a ref).
 */
export function CommitTimeline({
  session,
  commits,
  dropped = [],
  selectedCommit,
  onShow,
  onRollback,
  onRestore,
  disabledReason,
}: {
  session: SessionInfo;
  commits: readonly SessionCommit[];
  /** Steps a rollback took off the branch: shown greyed, each can be restored (the branch rolls forward to it). */
  dropped?: readonly SessionCommit[];
  onRestore?: (step: number, sha: string) => void;
  selectedCommit: string | null;
  onShow: (sha: string | null) => void;
  onRollback: (step: number, sha: string | null) => void;
  disabledReason: string | null;
}) {
  const headIndex = commits.findIndex((c) => c.sha === session.headCommit);
  // After a rollback the log still lists the dropped commits; the head tells which are current.
  const current = headIndex >= 0 ? commits.slice(0, headIndex + 1) : commits;
  const atBase = session.headCommit === session.baseCommit;
  return (
    <section className="panel-section">
      <div className="section-title">
        <span>Timeline</span>
        <span className="section-meta">{plural(current.length, 'step')}</span>
      </div>
      <ol className="timeline">
        <li className={`timeline-item${selectedCommit === null ? ' selected' : ''}`}>
          <button type="button" className="timeline-main" onClick={() => onShow(null)} aria-pressed={selectedCommit === null}>
            <span className="timeline-dot all" />
            <span className="timeline-text">
              <span className="timeline-title">All changes</span>
              <span className="timeline-sub">
                since {session.baseBranch ?? 'base'} @ {shortSha(session.baseCommit)}
              </span>
            </span>
          </button>
          {!atBase && current.length > 0 && (
            <button
              type="button"
              className="link-btn rollback-btn"
              onClick={() => onRollback(0, null)}
              disabled={disabledReason !== null}
              title={disabledReason ?? 'Roll back to before the first step'}
            >
              Roll back to start
            </button>
          )}
        </li>
        {current.map((commit, index) => {
          const isHead = index === current.length - 1;
          const outcome = stepOutcome(commit);
          return (
            <li key={commit.sha} className={`timeline-item${selectedCommit === commit.sha ? ' selected' : ''}`} data-step={commit.step}>
              <button
                type="button"
                className="timeline-main"
                onClick={() => onShow(commit.sha)}
                aria-pressed={selectedCommit === commit.sha}
              >
                <span className={`timeline-dot${isHead ? ' head' : ''}`} />
                <span className="timeline-text">
                  <span className="timeline-title">
                    Step {commit.step}{' '}
                    {commit.label !== null ? (
                      <span className="timeline-attempt" data-step-label>
                        · {commit.label}
                      </span>
                    ) : (
                      <span className="timeline-attempt">
                        {commit.series > 1 ? `· series ${commit.series} ` : ''}· attempt {commit.attempt}
                      </span>
                    )}
                  </span>
                  <span className="timeline-sub">
                    <code>{shortSha(commit.sha)}</code> · {commit.files.slice(0, 2).join(', ')}
                    {commit.files.length > 2 ? ` +${commit.files.length - 2}` : ''}
                  </span>
                  <span className={`step-outcome ${outcome.tone}`} title={outcome.title} data-step-outcome={outcome.label}>
                    {outcome.label}
                  </span>
                  {commit.tests && (
                    <span
                      className="step-outcome neutral"
                      data-step-tests="kept"
                      title="Tests first: these acceptance tests failed on the base; passing needs them"
                    >
                      acceptance tests
                    </span>
                  )}
                  {commit.testsChanged.length > 0 && (
                    <span
                      className="step-outcome warning"
                      data-tests-changed={commit.testsChanged.join(' ')}
                      title={`This step changed the kept acceptance tests: ${commit.testsChanged.join(', ')}. The Sheriff was told; check that they still test the task.`}
                    >
                      changes the kept tests
                    </span>
                  )}
                </span>
              </button>
              {isHead ? (
                <span className="timeline-head">current</span>
              ) : (
                <button
                  type="button"
                  className="link-btn rollback-btn"
                  onClick={() => onRollback(commit.step, commit.sha)}
                  disabled={disabledReason !== null}
                  title={disabledReason ?? `Roll back to step ${commit.step}`}
                >
                  Roll back to here
                </button>
              )}
            </li>
          );
        })}
        {dropped.map((commit) => (
          <li key={commit.sha} className="timeline-item dropped" data-dropped-step={commit.step}>
            <button type="button" className="timeline-main" onClick={() => onShow(commit.sha)} aria-pressed={selectedCommit === commit.sha}>
              <span className="timeline-dot" />
              <span className="timeline-text">
                <span className="timeline-title">
                  Step {commit.step}{' '}
                  <span className="timeline-attempt">
                    {commit.series > 1 ? `· series ${commit.series} ` : ''}· attempt {commit.attempt} · rolled back
                  </span>
                </span>
                <span className="timeline-sub">
                  <code>{shortSha(commit.sha)}</code> · {commit.files.slice(0, 2).join(', ')}
                  {commit.files.length > 2 ? ` +${commit.files.length - 2}` : ''}
                </span>
              </span>
            </button>
            {onRestore !== undefined && (
              <button
                type="button"
                className="link-btn rollback-btn"
                onClick={() => onRestore(commit.step, commit.sha)}
                disabled={disabledReason !== null}
                title={disabledReason ?? `Roll forward to step ${commit.step}`}
              >
                Restore
              </button>
            )}
          </li>
        ))}
      </ol>
    </section>
  );
}
