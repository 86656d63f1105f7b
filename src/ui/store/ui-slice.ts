import type { StateCreator } from 'zustand';
import type { BackendName, BackendPreference, BackendSoftwareFacts, DownloadFileSize } from '../../worker/protocol';
import type { SharedModel } from '../schemas/share-url';
import type { PlaygroundState } from './index';
import { DEFAULT_RUN_FORM, type RunForm } from '../schemas/run-form';
import type { BackendState, Notice, Theme } from './types';

export interface UiSlice {
  theme: Theme;
  backend: BackendState;
  notices: Notice[];
  /** Set once saved runs have been read back from IndexedDB. */
  hydrated: boolean;
  /** A Hub model named by a share link, waiting for the user to agree to download it. */
  sharedModelPrompt: SharedModelPrompt | null;
  setSharedModelPrompt(prompt: SharedModelPrompt | null): void;
  /** The settings being edited in the Methods panel, before a run is added. */
  draftForm: RunForm;
  setDraftForm(form: RunForm): void;
  setTheme(theme: Theme): void;
  setBackendPreference(preference: BackendPreference): void;
  backendReady(active: BackendName, fallbackReasons: string[], adapterInfo: string | null, facts?: BackendSoftwareFacts): void;
  notify(kind: Notice['kind'], text: string): void;
  dismissNotice(id: number): void;
  setHydrated(): void;
}

export interface SharedModelPrompt {
  model: Extract<SharedModel, { kind: 'hub' }>;
  /** The files the load would read, once measured. */
  files: DownloadFileSize[] | null;
  /** Why the size could not be measured. */
  error: string | null;
}

let nextNoticeId = 1;

export const createUiSlice: StateCreator<PlaygroundState, [], [], UiSlice> = (set) => ({
  theme: 'light',
  backend: { active: null, preference: 'auto', fallbackReasons: [], adapterInfo: null, software: null, passedOverSoftware: [], wasmThreads: null, crossOriginIsolated: null },
  notices: [],
  hydrated: false,
  sharedModelPrompt: null,
  setSharedModelPrompt: (prompt) => set({ sharedModelPrompt: prompt }),
  draftForm: DEFAULT_RUN_FORM,
  setDraftForm: (form) => set({ draftForm: form }),
  setTheme: (theme) => set({ theme }),
  setBackendPreference: (preference) => set((s) => ({ backend: { ...s.backend, preference } })),
  backendReady: (active, fallbackReasons, adapterInfo, facts = {}) =>
    set((s) => ({
      backend: {
        ...s.backend,
        active,
        fallbackReasons,
        adapterInfo,
        software: facts.software ?? null,
        passedOverSoftware: facts.passedOverSoftware ?? [],
        wasmThreads: facts.wasmThreads ?? null,
        crossOriginIsolated: facts.crossOriginIsolated ?? null,
      },
    })),
  notify: (kind, text) => set((s) => ({ notices: [...s.notices.slice(-4), { id: nextNoticeId++, kind, text }] })),
  dismissNotice: (id) => set((s) => ({ notices: s.notices.filter((n) => n.id !== id) })),
  setHydrated: () => set({ hydrated: true }),
});
