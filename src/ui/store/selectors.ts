/**
 * Module-level selectors, so components re-render only for what they read.
 * Those that build a new array are used with `useShallow`.
 */
import type { PlaygroundState } from './index';
import type { RunRecord } from './types';

export const selectModel = (s: PlaygroundState) => s.model;
export const selectModelSummary = (s: PlaygroundState) => s.model.summary;
export const selectData = (s: PlaygroundState) => s.data;
export const selectRuns = (s: PlaygroundState) => s.runs;
export const selectRunOrder = (s: PlaygroundState) => s.runOrder;
export const selectMetrics = (s: PlaygroundState) => s.metrics;
export const selectTheme = (s: PlaygroundState) => s.theme;
export const selectBackend = (s: PlaygroundState) => s.backend;
export const selectNotices = (s: PlaygroundState) => s.notices;
export const selectScheduleMode = (s: PlaygroundState) => s.scheduleMode;
export const selectHydrated = (s: PlaygroundState) => s.hydrated;
export const selectDraftForm = (s: PlaygroundState) => s.draftForm;

/** Runs in the order they were added (use with useShallow). */
export const selectRunList = (s: PlaygroundState): RunRecord[] => s.runOrder.map((id) => s.runs[id]).filter(Boolean);

/** Whether any run is training now or waiting its turn. */
export const selectAnyRunActive = (s: PlaygroundState): boolean =>
  s.runOrder.some((id) => s.runs[id]?.status === 'running' || s.runs[id]?.status === 'queued');
