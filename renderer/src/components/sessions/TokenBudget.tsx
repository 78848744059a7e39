import { formatTokens } from '../../lib/display-format.js';
import { ProgressBar } from '../common/ProgressBar.js';

export function TokenBudget({ used, budget }: { used: number; budget: number | null }) {
  return (
    <div className="token-budget" data-tokens={used}>
      <div className="token-budget-label">
        <span>Tokens</span>
        <span className="token-budget-value">
          {formatTokens(used)}
          {budget !== null ? ` of ${formatTokens(budget)}` : ''}
        </span>
      </div>
      {budget !== null && <ProgressBar value={used} max={budget} label="Token budget used" />}
    </div>
  );
}
