import { createContext, useContext } from 'react';
import type { PlaygroundActions } from './engine/actions';
import type { Playground } from './bootstrap';

export const PlaygroundContext = createContext<Playground | null>(null);

/**
 * The playground's actions (load a model, add and start runs, export...).
 *
 * @example
 * const actions = useActions();
 * actions.startRun(run.id);
 */
export function useActions(): PlaygroundActions {
  const playground = useContext(PlaygroundContext);
  if (!playground) throw new Error('useActions() needs a <PlaygroundContext.Provider> above it');
  return playground.actions;
}
