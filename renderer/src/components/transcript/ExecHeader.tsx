import { memo } from 'react';
import type { ExecItem } from '../../lib/transcript-reducer.js';
import { Spinner } from '../common/Spinner.js';

export const ExecHeader = memo(function ExecHeader({ exec, hasOutput }: { exec: ExecItem; hasOutput: boolean }) {
  return (
    <div className={`exec-header${hasOutput ? '' : ' alone'}${exec.finished === null ? ' running' : ''}`}>
      <span className="exec-label">Check</span>
      <code className="exec-command">$ {exec.command === '' ? '(check)' : exec.command}</code>
      {exec.sandbox !== '' && <span className="exec-sandbox">sandbox: {exec.sandbox}</span>}
      {exec.finished === null && <Spinner size={11} label="Running" />}
    </div>
  );
});
