import { useRepoEvalStore } from '../../state/repo-eval-store.js';
import { Spinner } from '../common/Spinner.js';

/**
 * "Which model for this repo?": recent commits of the repository that changed code and tests become
 * tasks (verified first: fails before, passes after), the current model runs them, and the table
 * says how it did — the same report as `mlx-factory eval --from-history N`.
 */
export function RepoEval() {
  const { repo, running, lines, report, error } = useRepoEvalStore();
  const { setRepo, run } = useRepoEvalStore.getState();
  return (
    <div className="card repo-eval" data-repo-eval>
      <div className="card-title">Which model for this repo?</div>
      <p className="card-note">
        Up to 5 recent commits that change code and tests become tasks (the commit’s tests on its parent must fail, and pass on the commit);
        the current model runs each one as a session. Your checkout is not touched.
      </p>
      <form
        className="pull-other"
        onSubmit={(e) => {
          e.preventDefault();
          void run(5);
        }}
      >
        <input
          className="input mono"
          placeholder="/path/to/your/repository"
          value={repo}
          onChange={(e) => setRepo(e.target.value)}
          aria-label="Repository folder"
        />
        <button type="submit" className="btn primary" disabled={running || repo.trim() === ''}>
          {running && <Spinner size={11} />} {running ? 'Running…' : 'Run'}
        </button>
      </form>
      {lines.length > 0 && (
        <pre className="repo-eval-progress mono" aria-live="polite">
          {lines.join('\n')}
        </pre>
      )}
      {error !== null && (
        <div className="inline-error" role="alert">
          {error}
        </div>
      )}
      {report !== null && (
        <>
          <table className="sibling-table repo-eval-table">
            <thead>
              <tr>
                <th scope="col">Task (commit)</th>
                <th scope="col">Passed</th>
                <th scope="col">Attempts</th>
                <th scope="col">Tokens</th>
                <th scope="col">Tokens/s</th>
              </tr>
            </thead>
            <tbody>
              {report.tasks.map((t) => (
                <tr key={`${t.model}-${t.commit}`} data-eval-row={t.commit}>
                  <td title={t.commit}>
                    {t.task} <span className="mono sibling-temp">{t.commit.slice(0, 8)}</span>
                  </td>
                  <td className={t.passed ? 'sibling-check success' : 'sibling-check danger'}>{t.passed ? 'yes' : `no (${t.state})`}</td>
                  <td className="num">{t.attempts}</td>
                  <td className="num">{t.tokens.prompt + t.tokens.completion}</td>
                  <td className="num">{t.tokensPerSecond === null ? '–' : t.tokensPerSecond.toFixed(1)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="card-note" data-eval-summary>
            {report.models.map((m) => `${m.model}: ${m.passed}/${m.total} passed`).join(' · ')}
            {report.skipped.length > 0 && ` · ${report.skipped.length} commit(s) skipped`}
            {report.recommendation !== null && ` · recommended: ${report.recommendation.model}`}
          </p>
          {report.skipped.length > 0 && (
            <ul className="repo-eval-skipped">
              {report.skipped.map((s) => (
                <li key={s.commit}>
                  <span className="mono">{s.commit.slice(0, 8)}</span> {s.subject} — {s.reason}
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </div>
  );
}
