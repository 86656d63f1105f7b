import { useEffect, useState } from 'react';
import { useActions } from './playground-context';
import type { RunForm } from './schemas/run-form';
import { usePlayground } from './store';
import type { TrainableCount } from './store/types';

/**
 * The exact trainable-parameter count of a form's method on the loaded
 * model, asked of the engine shortly after the form stops changing.
 *
 * @example
 * const trainable = useTrainableCount(form);
 */
export function useTrainableCount(form: RunForm): TrainableCount | null {
  const actions = useActions();
  const modelLabel = usePlayground((s) => (s.model.status === 'ready' ? s.model.summary?.label ?? null : null));
  // A classifier's head follows the dataset's labels.
  const dataset = usePlayground((s) => s.data.summary);
  const [count, setCount] = useState<TrainableCount | null>(null);
  useEffect(() => {
    if (!modelLabel) {
      setCount(null);
      return;
    }
    let live = true;
    const timer = setTimeout(() => void actions.countTrainable(form).then((c) => live && setCount(c)), 150);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [actions, form, modelLabel, dataset]);
  return count;
}
