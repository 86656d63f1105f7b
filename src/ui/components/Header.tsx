import { useShallow } from 'zustand/react/shallow';
import type { BackendPreference } from '../../worker/protocol';
import { describeBackend } from '../backend-status';
import { backendDisplayName } from '../format';
import { useActions } from '../playground-context';
import { encodeShareHash } from '../schemas/share-url';
import { playgroundStore, usePlayground } from '../store';
import { selectBackend, selectRunList, selectTheme } from '../store/selectors';


export function Header() {
  return (
    <header className="app-header">
      <h1>WeGeFT Playground</h1>
      <p className="tagline">Fine-tune pretrained Transformers in your browser, and compare WeGeFT with LoRA side by side.</p>
      <div className="header-tools">
        <BackendBadge />
        <ShareButton />
        <ThemeToggle />
      </div>
    </header>
  );
}

function BackendBadge() {
  const backend = usePlayground(selectBackend);
  const actions = useActions();
  // The backend starts with the page (bootstrap.ts), so "starting…" lasts as long as its initialisation.
  const { label, tone, note } = describeBackend(backend);
  const warn = tone === 'warn';
  return (
    <div className="backend">
      <span
        className={`badge ${tone === 'pending' ? '' : tone}`}
        data-testid="backend-badge"
        title={note ?? undefined}
        aria-label={`Backend: ${label}${note ? ` (${note})` : ''}`}
      >
        {warn ? '⚠ ' : ''}Backend: {label}
      </span>
      <label className="compact">
        <span className="sr-only">Backend preference</span>
        <select value={backend.preference} onChange={(e) => void actions.setBackend(e.target.value as BackendPreference)}>
          <option value="auto">auto</option>
          {(['webgpu', 'wasm', 'cpu'] as const).map((b) => (
            <option key={b} value={b}>
              {backendDisplayName(b)}
            </option>
          ))}
        </select>
      </label>
      {note && (
        <p className={`backend-reason ${tone}`} data-testid="backend-reason">
          {note}
        </p>
      )}
    </div>
  );
}

function ShareButton() {
  const runs = usePlayground(useShallow(selectRunList));
  const copy = async () => {
    const state = playgroundStore.getState();
    const source = state.model.source;
    const hash = encodeShareHash({ model: source && source.kind !== 'files' ? source : null, runs: runs.map((r) => r.form) });
    const url = `${location.origin}${location.pathname}${hash}`;
    history.replaceState(null, '', hash || location.pathname);
    try {
      await navigator.clipboard.writeText(url);
      state.notify('info', 'Link to this model and these runs’ settings copied.');
    } catch {
      state.notify('info', `Share this link: ${url}`);
    }
  };
  return (
    <button type="button" onClick={() => void copy()} title="A link with the model and every run's settings">
      Copy share link
    </button>
  );
}

function ThemeToggle() {
  const theme = usePlayground(selectTheme);
  const next = theme === 'light' ? 'dark' : 'light';
  return (
    <button type="button" aria-label={`Switch to ${next} theme`} onClick={() => playgroundStore.getState().setTheme(next)}>
      {theme === 'light' ? '☾ Dark' : '☀ Light'}
    </button>
  );
}
