import { useState, type FormEvent } from 'react';
import type { GenerationOutput, GenerationSettings } from '../../worker/protocol';
import { compactBlankLines } from '../format';
import { useActions } from '../playground-context';
import type { RunRecord } from '../store/types';

/**
 * A prompt, continued by the base model and by each trained run side by
 * side: each card fills as its tokens come (the worker generates one after
 * another), and Stop ends the generation, keeping what each had.
 */
export function GenerateTry({ runs }: { runs: RunRecord[] }) {
  const actions = useActions();
  const [prompt, setPrompt] = useState('');
  const [settings, setSettings] = useState<GenerationSettings>({ maxNewTokens: 24, temperature: 0, topK: 20, seed: 0 });
  const [outputs, setOutputs] = useState<GenerationOutput[] | null>(null);
  // The prompt the outputs continue (the box may have been edited since).
  const [shownPrompt, setShownPrompt] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    // A card per candidate from the start, filled as their text streams in.
    setOutputs([null, ...runs.map((r) => r.id)].map((runId) => ({ runId, text: '', error: null })));
    setShownPrompt(prompt);
    const onText = (runId: string | null, text: string) =>
      setOutputs((shown) => shown && shown.map((o) => (o.runId === runId ? { ...o, text } : o)));
    try {
      setOutputs(await actions.generate(prompt, runs.map((r) => r.id), settings, onText));
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const numberField = (key: keyof GenerationSettings, label: string, min: number, max: number, step: number) => (
    <label className="compact">
      {label}
      <input type="number" min={min} max={max} step={step} value={settings[key]} onChange={(e) => setSettings({ ...settings, [key]: Number(e.target.value) })} />
    </label>
  );
  return (
    <form onSubmit={(e) => void submit(e)}>
      <label className="block">
        Prompt
        <textarea value={prompt} onChange={(e) => setPrompt(e.target.value)} rows={3} placeholder="Type the beginning of a text…" />
      </label>
      <div className="row">
        {numberField('maxNewTokens', 'New tokens', 1, 256, 1)}
        {numberField('temperature', 'Temperature (0 = greedy)', 0, 2, 0.1)}
        {numberField('topK', 'Top-k', 1, 1000, 1)}
        {numberField('seed', 'Seed', 0, 2 ** 31 - 1, 1)}
        <button type="submit" className="primary" disabled={busy || prompt.trim() === ''}>
          {busy ? 'Generating…' : 'Generate'}
        </button>
        {busy && (
          <button type="button" onClick={() => actions.stopGeneration()}>
            Stop
          </button>
        )}
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {outputs && (
        <div className="side-by-side" data-testid="generations" data-state={busy ? 'generating' : 'done'}>
          {outputs.map((o) => {
            const run = runs.find((r) => r.id === o.runId);
            return (
              <article key={o.runId ?? 'base'} className="output" style={{ borderTopColor: run?.color ?? 'var(--muted)' }} data-testid="generation">
                <h4>{run?.name ?? 'Base model'}</h4>
                {o.error ? <p className="error">{o.error}</p> : (
                  <p className="generated">
                    <span className="muted">{compactBlankLines(shownPrompt)}</span>
                    <strong>{compactBlankLines(o.text)}</strong>
                  </p>
                )}
                {o.stopped && <p className="muted">Stopped{o.text === '' ? ' before it started' : ''}.</p>}
              </article>
            );
          })}
        </div>
      )}
    </form>
  );
}
