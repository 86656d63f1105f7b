import { useEffect, useRef } from 'react';
import { RIVAL_METHOD, STUDIED_METHOD } from '../../engine/adapters/methods';
import type { AdapterMethodName } from '../../engine/adapters/types';
import { Panel } from '../components/Panel';
import { SettingsForm } from '../components/SettingsForm';
import { TrainableCountView } from '../components/TrainableCountView';
import { SweepControls } from './SweepControls';
import { useActions } from '../playground-context';
import { METHOD_CHOICES, formForMethod, hasMethodDefaults, validateRunForm, type ModelTask, type RunForm } from '../schemas/run-form';
import { useTrainableCount } from '../use-trainable-count';
import { playgroundStore, usePlayground } from '../store';
import { selectDraftForm } from '../store/selectors';

const studied = STUDIED_METHOD.name as AdapterMethodName;
const rival = RIVAL_METHOD.name as AdapterMethodName;

export function MethodsPanel() {
  const actions = useActions();
  const form = usePlayground(selectDraftForm);
  const task = usePlayground((s) => s.model.summary?.task ?? null);
  const setForm = (next: RunForm) => playgroundStore.getState().setDraftForm(next);
  useDefaultsForTask(task);
  const trainable = useTrainableCount(form);
  const valid = Object.keys(validateRunForm(form)).length === 0;
  const method = METHOD_CHOICES.find((m) => m.value === form.method);
  return (
    <Panel id="methods" number={3} title="Methods">
      <p className="muted">{method?.description}</p>
      <SettingsForm form={form} onChange={setForm} />
      <p>
        <TrainableCountView trainable={trainable} testId="draft-trainable" />
      </p>
      <div className="row">
        <button type="button" className="primary" disabled={!valid} onClick={() => actions.addRun(form)}>
          Add run
        </button>
        <button
          type="button"
          disabled={!valid}
          title={`Adds a ${STUDIED_METHOD.label} run and a ${RIVAL_METHOD.label} run with the same settings`}
          onClick={() => {
            const pair = form.method === studied || form.method === rival ? form : formForMethod(studied, form, task ?? undefined);
            actions.addRun({ ...pair, method: studied });
            actions.addRun({ ...pair, method: rival });
          }}
        >
          Add {STUDIED_METHOD.label} + {RIVAL_METHOD.label} pair
        </button>
      </div>
      <SweepControls draft={form} task={task ?? 'causal-lm'} disabled={!valid} />
    </Panel>
  );
}

/**
 * When a model of another task loads, a draft still at its method's
 * defaults takes the defaults for the new task (a language model's and an
 * image classifier's differ: src/engine/adapters/<method>/method.ts).
 */
function useDefaultsForTask(task: ModelTask | null): void {
  const previous = useRef<ModelTask>('causal-lm');
  useEffect(() => {
    if (!task || task === previous.current) return;
    const from = previous.current;
    previous.current = task;
    const draft = playgroundStore.getState().draftForm;
    if (hasMethodDefaults(draft, from)) playgroundStore.getState().setDraftForm(formForMethod(draft.method, draft, task));
  }, [task]);
}
