import { useState } from 'react';
import { METHOD_SPECS, RIVAL_METHOD, STUDIED_METHOD } from '../../engine/adapters/methods';
import type { AdapterMethodName } from '../../engine/adapters/types';
import { DEFAULT_SWEEP_RANKS, hasRank, parseRankList, sweepMethodsProblem, sweepRuns } from '../../engine/train/sweep';
import { useActions } from '../playground-context';
import { describeMethod, formForMethod, validateRunForm, type ModelTask, type RunForm } from '../schemas/run-form';

const RANKED = METHOD_SPECS.filter((m) => hasRank(m.name)).map((m) => ({ name: m.name as AdapterMethodName, label: m.label }));

/** The forms of a sweep: every chosen method at every rank, over the draft's training settings; or what is wrong. */
export function sweepForms(methods: AdapterMethodName[], ranksText: string, draft: RunForm, task: ModelTask): { forms: RunForm[]; problem: string | null } {
  let ranks: number[];
  try {
    ranks = parseRankList(ranksText);
  } catch (error) {
    return { forms: [], problem: (error as Error).message };
  }
  const problem = sweepMethodsProblem(methods);
  if (problem) return { forms: [], problem };
  const forms = sweepRuns(methods, ranks, task).map((run) => ({ ...formForMethod(run.method, draft, task), rank: run.rank, ...(run.alpha !== undefined ? { alpha: run.alpha } : {}) }) as RunForm);
  const bad = forms.map((f) => [f, Object.values(validateRunForm(f))] as const).find(([, p]) => p.length > 0);
  return bad ? { forms: [], problem: `${describeMethod(bad[0])}: ${bad[1].join('; ')}` } : { forms, problem: null };
}

/**
 * The Sweep action: the chosen methods at each rank of a list, with the
 * draft's data, budget, seed and other settings (α at each method's default
 * α / r), added as ordinary runs and started one after another (the
 * Runs panel switches to one at a time); each can be paused or stopped.
 */
export function SweepControls({ draft, task, disabled }: { draft: RunForm; task: ModelTask; disabled: boolean }) {
  const actions = useActions();
  const [methods, setMethods] = useState<AdapterMethodName[]>([STUDIED_METHOD.name as AdapterMethodName, RIVAL_METHOD.name as AdapterMethodName]);
  const [ranks, setRanks] = useState(DEFAULT_SWEEP_RANKS.join(','));
  const { forms, problem } = sweepForms(methods, ranks, draft, task);
  const toggle = (name: AdapterMethodName, on: boolean) => setMethods((current) => (on ? RANKED.map((m) => m.name).filter((m) => m === name || current.includes(m)) : current.filter((m) => m !== name)));
  const queue = () => {
    // One run after another: each run's step time and memory are its own, and only one holds memory at a time.
    actions.setScheduleMode('sequential');
    for (const form of forms) actions.startRun(actions.addRun(form));
  };
  return (
    <details className="sweep" data-testid="sweep">
      <summary>Sweep ranks…</summary>
      <p className="muted small">
        Every chosen method at every rank, with the settings above (data, steps, seed, learning rate as set; α keeps each method's default α / r). They are
        ordinary runs, trained one at a time (Runs switches to that); the Compare panel plots them as accuracy per trainable parameter.
      </p>
      <fieldset className="row">
        <legend className="small">Methods</legend>
        {RANKED.map((m) => (
          <label key={m.name} className="compact">
            <input type="checkbox" name={`sweep-${m.name}`} checked={methods.includes(m.name)} onChange={(e) => toggle(m.name, e.target.checked)} /> {m.label}
          </label>
        ))}
      </fieldset>
      <label className="compact">
        Ranks <input type="text" name="sweep-ranks" value={ranks} onChange={(e) => setRanks(e.target.value)} spellCheck={false} aria-invalid={problem ? true : undefined} />
      </label>
      <p className={problem ? 'field-problem' : 'small'} data-testid="sweep-summary">
        {problem ?? `${forms.length} runs: ${forms.map(describeMethod).join(', ')}`}
      </p>
      <button type="button" disabled={disabled || forms.length === 0} onClick={queue}>
        Queue {forms.length} runs
      </button>
    </details>
  );
}
