/**
 * The playground's one store, made of slices. Components read it through
 * `usePlayground(selector)` with module-level selectors (selectors.ts), so a
 * component re-renders only for what it reads.
 */
import { useStore } from 'zustand';
import { createStore, type StoreApi } from 'zustand/vanilla';
import { createDataSlice, type DataSlice } from './data-slice';
import { createMetricsSlice, type MetricsSlice } from './metrics-slice';
import { createModelSlice, type ModelSlice } from './model-slice';
import { createRunsSlice, type RunsSlice } from './runs-slice';
import { createUiSlice, type UiSlice } from './ui-slice';

export type PlaygroundState = ModelSlice & DataSlice & RunsSlice & MetricsSlice & UiSlice;
export type PlaygroundStore = StoreApi<PlaygroundState>;

/** A fresh store (tests make their own; the app uses `playgroundStore`). */
export function createPlaygroundStore(): PlaygroundStore {
  return createStore<PlaygroundState>()((...a) => ({
    ...createModelSlice(...a),
    ...createDataSlice(...a),
    ...createRunsSlice(...a),
    ...createMetricsSlice(...a),
    ...createUiSlice(...a),
  }));
}

export const playgroundStore = createPlaygroundStore();

/**
 * Reads the app's store in a component.
 *
 * @example
 * const runs = usePlayground(selectRunList);
 */
export function usePlayground<T>(selector: (state: PlaygroundState) => T): T {
  return useStore(playgroundStore, selector);
}
