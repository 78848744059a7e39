import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import { Icon } from '../common/Icon.js';

/** The server's log, tailing: new lines keep it at the bottom unless you scrolled up to read. */
export function ServerLogs({ lines, file }: { lines: readonly string[]; file: string | null }) {
  const ref = useRef<HTMLPreElement>(null);
  const [following, setFollowing] = useState(true);
  const followingRef = useRef(true);

  useLayoutEffect(() => {
    const el = ref.current;
    if (el !== null && followingRef.current) el.scrollTop = el.scrollHeight;
  }, [lines]);
  useEffect(() => {
    followingRef.current = following;
  }, [following]);

  return (
    <div className="log-wrap">
      <pre
        ref={ref}
        className="log-view"
        tabIndex={0}
        aria-label="Server log"
        data-lines={lines.length}
        onScroll={() => {
          const el = ref.current;
          if (el === null) return;
          const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
          if (atBottom !== followingRef.current) {
            followingRef.current = atBottom;
            setFollowing(atBottom);
          }
        }}
      >
        {lines.length === 0 ? <span className="muted">No log lines yet.</span> : lines.join('\n')}
      </pre>
      <div className="log-foot">
        <span className="muted mono" title={file ?? ''}>
          {file ?? ''}
        </span>
        <div className="spacer" />
        {!following && (
          <button
            type="button"
            className="btn small"
            onClick={() => {
              const el = ref.current;
              if (el !== null) el.scrollTop = el.scrollHeight;
              followingRef.current = true;
              setFollowing(true);
            }}
          >
            <Icon name="arrow-down" size={11} /> Follow
          </button>
        )}
      </div>
    </div>
  );
}
