import { memo } from 'react';
import type { TranscriptRow } from '../../lib/transcript-rows.js';
import { AnsiText } from './AnsiText.js';
import { ExecFooter } from './ExecFooter.js';
import { ExecHeader } from './ExecHeader.js';
import { FenceChunk } from './FenceChunk.js';
import { MarkdownBlockView } from './MarkdownBlockView.js';
import { TranscriptItemRow } from './TranscriptItemRow.js';
import { TurnHeader } from './TurnHeader.js';

/** One virtualised row. Rows are reused objects while their content is unchanged, so memo holds. */
export const TranscriptRowView = memo(function TranscriptRowView({ row }: { row: TranscriptRow }) {
  switch (row.kind) {
    case 'turn-header':
      return <TurnHeader turn={row.turn} />;
    case 'block':
      return (
        <div className={`turn-body ${row.persona}${row.last ? ' last' : ''}`}>
          <MarkdownBlockView block={row.block} />
        </div>
      );
    case 'fence':
      return (
        <div className={`turn-body ${row.persona}${row.lastOfTurn ? ' last' : ''}`}>
          <FenceChunk
            lang={row.lang}
            path={row.path}
            lines={row.lines}
            first={row.first}
            last={row.last}
            firstLine={row.firstLine}
            growing={row.growing}
          />
        </div>
      );
    case 'exec-header':
      return <ExecHeader exec={row.exec} hasOutput={row.exec.output !== '' || row.exec.finished !== null} />;
    case 'exec-output':
      return (
        <pre className={`exec-output${row.first ? ' first' : ''}${row.last ? ' last' : ''}`}>
          <AnsiText text={row.text} />
        </pre>
      );
    case 'exec-footer':
      return <ExecFooter exec={row.exec} />;
    case 'item':
      return <TranscriptItemRow item={row.item} />;
  }
});
