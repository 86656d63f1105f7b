/**
 * The form of an imported run: the method options its adapter_config.json
 * records (as the worker read them), the training settings of `base` (the
 * Methods panel's), so the run's card shows what was imported and "Train
 * further" starts from the same settings.
 */
import { describeTargets } from '../../engine/adapters/common/targets';
import { methodSpec, type MethodOptionKey } from '../../engine/adapters/methods';
import type { TargetSpec } from '../../engine/adapters/types';
import type { MethodSettings } from '../../worker/protocol';
import { formForMethod, type ModelTask, type OptionFormValue, type RunForm } from './run-form';

/** A form whose method options are `settings` (targets as the form writes them: "q, v", "/regex/", "all-linear"). */
export function formFromMethodSettings(settings: MethodSettings, base: RunForm, task: ModelTask): RunForm {
  const form: Record<string, unknown> = { ...formForMethod(settings.method, base, task) };
  for (const [key, option] of Object.entries(methodSpec(settings.method).options)) {
    const value = settings[key as keyof MethodSettings];
    if (value === undefined) continue;
    form[key] = (option.kind === 'targets' ? describeTargets(value as TargetSpec) : value) as OptionFormValue;
  }
  return form as unknown as RunForm;
}

/** The option keys of a form's method (what "Train further" keeps). */
export function methodOptionKeys(form: RunForm): MethodOptionKey[] {
  return Object.keys(methodSpec(form.method).options) as MethodOptionKey[];
}
