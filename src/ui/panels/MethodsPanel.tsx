import { Panel } from '../components/Panel';
import { SettingsForm } from '../components/SettingsForm';
import { TrainableCountView } from '../components/TrainableCountView';
import { useActions } from '../playground-context';
import { METHOD_CHOICES, formForMethod, validateRunForm, type RunForm } from '../schemas/run-form';
import { useTrainableCount } from '../use-trainable-count';
import { playgroundStore, usePlayground } from '../store';
import { selectDraftForm } from '../store/selectors';

export function MethodsPanel() {
  const actions = useActions();
  const form = usePlayground(selectDraftForm);
  const setForm = (next: RunForm) => playgroundStore.getState().setDraftForm(next);
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
          title="Adds a WeGeFT run and a LoRA run with the same settings"
          onClick={() => {
            const pair = form.method === 'wegeft' || form.method === 'lora' ? form : formForMethod('wegeft', form);
            actions.addRun({ ...pair, method: 'wegeft' });
            actions.addRun({ ...pair, method: 'lora' });
          }}
        >
          Add WeGeFT + LoRA pair
        </button>
      </div>
    </Panel>
  );
}
