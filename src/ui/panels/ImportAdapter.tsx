import { useState } from 'react';
import { METHOD_SPECS, STUDIED_METHOD } from '../../engine/adapters/methods';
import { DropZone } from '../components/DropZone';
import { useActions } from '../playground-context';
import { usePlayground } from '../store';
import { importBlocker } from '../store/run-start';
import type { RunRecord } from '../store/types';

/** The methods whose files load (every one in the registry: PEFT's types and this app's own), by label. */
const IMPORTABLE = METHOD_SPECS.filter((m) => m.peftTypes.length > 0).map((m) => m.label).join(', ');

/**
 * The Runs panel's drop target for adapters made elsewhere: a folder PEFT's
 * `save_pretrained` wrote, or a .zip of one (an export of this app too).
 * Disabled, with the reason, while no model is loaded.
 */
export function ImportAdapterZone() {
  const actions = useActions();
  const blocker = usePlayground(importBlocker);
  const [busy, setBusy] = useState<string | null>(null);
  const onFiles = async (files: Parameters<typeof actions.importAdapter>[0]) => {
    setBusy(files.length === 1 ? files[0].path : `${files.length} files`);
    try {
      await actions.importAdapter(files);
    } finally {
      setBusy(null);
    }
  };
  return (
    <DropZone
      label="Import adapter…"
      hint={`A PEFT adapter folder (adapter_config.json + adapter_model.safetensors) or a .zip of one, made for the loaded model by PEFT or this app: ${IMPORTABLE} (${STUDIED_METHOD.label} in this app's or its authors' format).`}
      accept=".zip,.json,.safetensors"
      testId="adapter-import"
      disabled={blocker !== null || busy !== null}
      onFiles={(files) => void onFiles(files)}
    >
      {blocker && (
        <span className="muted small" data-testid="adapter-import-blocked">
          {blocker}
        </span>
      )}
      {busy && (
        <span className="muted small" role="status">
          Importing {busy}…
        </span>
      )}
    </DropZone>
  );
}

/** What a run's card says about an imported adapter or a run that trains further from one. */
export function ImportedNote({ run }: { run: RunRecord }) {
  if (run.imported) {
    return (
      <p className="muted small" data-testid="run-imported">
        Imported from <strong>{run.imported.label}</strong> (peft_type {run.imported.peftType}): trained elsewhere, so no loss curve or step
        metrics here.{' '}
        {run.imported.notEvaluated
          ? `Validation: ${run.imported.notEvaluated} (import it again with a dataset loaded to compare it).`
          : 'Validation: evaluated on the loaded dataset’s held-out split at import, beside the base model.'}
      </p>
    );
  }
  if (run.startsFrom) {
    return (
      <p className="muted small" data-testid="run-starts-from">
        Trains further from <strong>{run.startsFrom.name}</strong>: its adapter starts as a copy of that run’s, with the same method settings.
      </p>
    );
  }
  return null;
}
