import { formatTokens } from '../../lib/display-format.js';
import { ProgressBar } from '../common/ProgressBar.js';

/**
 * The latest attempt series' tokens against its budget (each series has its own); after a reply,
 * also every series' total, the figure the list card and the popover show.
 */
export function TokenBudget({
  used,
  budget,
  series = 1,
  total = used,
}: {
  used: number;
  budget: number | null;
  series?: number;
  total?: number;
}) {
  return (
    <div className="token-budget" data-tokens={used} data-total-tokens={total}>
      <div className="token-budget-label">
        <span>{series > 1 ? `Tokens · series ${series}` : 'Tokens'}</span>
        <span className="token-budget-value">
          {formatTokens(used)}
          {budget !== null ? ` of ${formatTokens(budget)}` : ''}
        </span>
      </div>
      {budget !== null && <ProgressBar value={used} max={budget} label="Token budget used" />}
      {series > 1 && <span className="token-budget-total">{formatTokens(total)} in all</span>}
    </div>
  );
}
