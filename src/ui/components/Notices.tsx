import { playgroundStore, usePlayground } from '../store';
import { selectNotices } from '../store/selectors';

/** Messages for the user (errors, warnings), announced to screen readers. */
export function Notices() {
  const notices = usePlayground(selectNotices);
  return (
    <div className="notices" role="status" aria-live="polite">
      {notices.map((notice) => (
        <div key={notice.id} className={`notice ${notice.kind}`} role={notice.kind === 'error' ? 'alert' : undefined}>
          <span>{notice.text}</span>
          <button type="button" className="link" aria-label="Dismiss" onClick={() => playgroundStore.getState().dismissNotice(notice.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
