import { memo } from 'react';

/** A slice of a fenced code block (long fences are cut into slices so the list can virtualise them). */
export const FenceChunk = memo(function FenceChunk({
  lang,
  path,
  lines,
  first,
  last,
  firstLine,
  growing,
}: {
  lang: string;
  path: string | null;
  lines: readonly string[];
  first: boolean;
  last: boolean;
  firstLine: number;
  growing: boolean;
}) {
  return (
    <div className={`fence${first ? ' first' : ''}${last ? ' last' : ''}`}>
      {first && (
        <div className="fence-lang">
          {path !== null && <span className="fence-path">{path}</span>}
          <span>{lang === '' ? (path === null ? 'code' : '') : lang}</span>
        </div>
      )}
      <pre className="fence-code">
        {lines.map((line, index) => (
          <div key={index} className="code-line">
            <span className="line-no" aria-hidden="true">
              {firstLine + index}
            </span>
            <span className="line-text">{line === '' ? '\u200b' : line}</span>
          </div>
        ))}
        {growing && <span className="caret" aria-hidden="true" />}
      </pre>
    </div>
  );
});
