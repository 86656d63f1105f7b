import { useShallow } from 'zustand/react/shallow';
import type { BackendPreference } from '../../worker/protocol';
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
  const fallback = backend.active !== null && backend.active !== 'webgpu';
  // The backend starts with the page (bootstrap.ts), so "starting…" lasts as long as its initialisation.
  const label = backend.active ? backendDisplayName(backend.active) : 'starting…';
  const reasons = backend.fallbackReasons.join('\n');
  return (
    <div className="backend">
      <span
        className={`badge ${fallback ? 'warn' : backend.active ? 'ok' : ''}`}
        data-testid="backend-badge"
        title={reasons || undefined}
        aria-label={`Backend: ${label}${fallback ? ` (fallback: ${reasons})` : ''}`}
      >
        {fallback ? '⚠ ' : ''}Backend: {label}
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
      {fallback && (
        <p className="backend-reason" data-testid="backend-reason">
          WebGPU is not in use: {backend.fallbackReasons.join('; ') || 'another backend was chosen'}. Training will be slower.
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
