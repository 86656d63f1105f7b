import type { StateCreator } from 'zustand';
import type { BackendName, BackendPreference } from '../../worker/protocol';
import type { PlaygroundState } from './index';
import { formForMethod, type RunForm } from '../schemas/run-form';
import type { BackendState, Notice, Theme } from './types';

export interface UiSlice {
  theme: Theme;
  backend: BackendState;
  notices: Notice[];
  /** Set once saved runs have been read back from IndexedDB. */
  hydrated: boolean;
  /** The settings being edited in the Methods panel, before a run is added. */
  draftForm: RunForm;
  setDraftForm(form: RunForm): void;
  setTheme(theme: Theme): void;
  setBackendPreference(preference: BackendPreference): void;
  backendReady(active: BackendName, fallbackReasons: string[], adapterInfo: string | null): void;
  notify(kind: Notice['kind'], text: string): void;
  dismissNotice(id: number): void;
  setHydrated(): void;
}

let nextNoticeId = 1;

export const createUiSlice: StateCreator<PlaygroundState, [], [], UiSlice> = (set) => ({
  theme: 'light',
  backend: { active: null, preference: 'auto', fallbackReasons: [], adapterInfo: null },
  notices: [],
  hydrated: false,
  draftForm: formForMethod('wegeft'),
  setDraftForm: (form) => set({ draftForm: form }),
  setTheme: (theme) => set({ theme }),
  setBackendPreference: (preference) => set((s) => ({ backend: { ...s.backend, preference } })),
  backendReady: (active, fallbackReasons, adapterInfo) => set((s) => ({ backend: { ...s.backend, active, fallbackReasons, adapterInfo } })),
  notify: (kind, text) => set((s) => ({ notices: [...s.notices.slice(-4), { id: nextNoticeId++, kind, text }] })),
  dismissNotice: (id) => set((s) => ({ notices: s.notices.filter((n) => n.id !== id) })),
  setHydrated: () => set({ hydrated: true }),
});
