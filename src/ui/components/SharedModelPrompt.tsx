import { useEffect, useRef } from 'react';
import type { DownloadFileSize } from '../../worker/protocol';
import { formatBytes } from '../format';
import { useActions } from '../playground-context';
import { usePlayground } from '../store';
import type { SharedModelPrompt as SharedModelPromptState } from '../store/ui-slice';

/** Bytes still to download (files not in the browser cache), and whether every size is known. */
export function downloadTotals(files: DownloadFileSize[]): { toDownload: number; cached: number; unknown: string[] } {
  let toDownload = 0;
  let cached = 0;
  const unknown: string[] = [];
  for (const file of files) {
    if (file.bytes === null) {
      if (!file.cached) unknown.push(file.path);
    } else if (file.cached) cached += file.bytes;
    else toDownload += file.bytes;
  }
  return { toDownload, cached, unknown };
}

/**
 * A share link's Hub model, asked about before anything downloads: the
 * repo, its revision and the download size, then the user's yes or no.
 */
export function SharedModelPrompt() {
  const prompt = usePlayground((s) => s.sharedModelPrompt);
  const actions = useActions();
  return prompt && <SharedModelPromptView prompt={prompt} onAnswer={(load) => void actions.answerSharedModel(load)} />;
}

export function SharedModelPromptView({ prompt, onAnswer }: { prompt: SharedModelPromptState; onAnswer: (load: boolean) => void }) {
  const box = useRef<HTMLDivElement>(null);
  // Focus goes to the question, so keyboard and screen-reader users meet it first.
  useEffect(() => box.current?.focus(), []);
  const { model, files, error } = prompt;
  const totals = files ? downloadTotals(files) : null;
  return (
    <div ref={box} className="warning shared-prompt" role="alertdialog" aria-labelledby="shared-prompt-title" aria-describedby="shared-prompt-size" tabIndex={-1} data-testid="shared-model-prompt">
      <p id="shared-prompt-title">
        <strong>The link you opened asks to download a model from the Hugging Face Hub:</strong>{' '}
        <code>{model.repoId}</code>
        {model.revision ? ` at revision ${model.revision}` : ''}.
      </p>
      <p id="shared-prompt-size" data-testid="shared-model-size">
        {error
          ? `Its size could not be found out (${error}).`
          : !totals
            ? 'Finding out its size…'
            : totals.toDownload === 0 && totals.unknown.length === 0
              ? `It is already in this browser's cache (${formatBytes(totals.cached)}): nothing to download.`
              : `Download size: ${formatBytes(totals.toDownload)}${totals.unknown.length > 0 ? ` plus ${totals.unknown.join(', ')} (size not given)` : ''}` +
                `${totals.cached > 0 ? `; ${formatBytes(totals.cached)} already cached` : ''}. Files: ${files!.map((f) => f.path).join(', ')}.`}
      </p>
      <div className="row">
        <button type="button" className="primary" onClick={() => onAnswer(true)}>
          Download and load
        </button>
        <button type="button" onClick={() => onAnswer(false)}>
          Not now
        </button>
      </div>
    </div>
  );
}
