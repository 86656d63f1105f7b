import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { downloadTotals, SharedModelPromptView } from '../../src/ui/components/SharedModelPrompt';
import { fakePlayground, settle } from './helpers/fake-engine';

describe("a share link's Hub model is asked about first", () => {
  it('adds up what would download, apart from what the browser cache has', () => {
    expect(
      downloadTotals([
        { path: 'config.json', bytes: 700, cached: false },
        { path: 'model.safetensors', bytes: 3_000_000, cached: true },
        { path: 'tokenizer.json', bytes: null, cached: false },
      ]),
    ).toEqual({ toDownload: 700, cached: 3_000_000, unknown: ['tokenizer.json'] });
  });

  it('names the repo, the revision and the size, with a yes and a no', () => {
    const prompt = {
      model: { kind: 'hub' as const, repoId: 'test-org/tiny-vit', revision: 'v1.0' },
      files: [
        { path: 'config.json', bytes: 1024, cached: false },
        { path: 'model.safetensors', bytes: 3 * 1024 * 1024, cached: false },
      ],
      error: null,
    };
    const html = renderToStaticMarkup(<SharedModelPromptView prompt={prompt} onAnswer={() => {}} />);
    expect(html).toContain('role="alertdialog"');
    expect(html).toContain('<code>test-org/tiny-vit</code> at revision v1.0');
    expect(html).toContain('Download size: 3.0 MB');
    expect(html).toContain('Files: config.json, model.safetensors.');
    expect(html).toContain('Download and load');
    expect(html).toContain('Not now');
  });
});

describe('the prompt in the store', () => {
  it('a link model waits for a yes; "Not now" downloads nothing, "Download and load" loads it', async () => {
    const { store, actions, worker } = fakePlayground({});
    await actions.askToLoadSharedModel({ kind: 'hub', repoId: 'test-org/tiny-vit' });
    expect(worker.sent.map((c) => c.type)).toEqual(['measureDownload']);
    expect(store.getState().sharedModelPrompt?.error).toBeNull();
    await actions.answerSharedModel(false);
    expect(store.getState().sharedModelPrompt).toBeNull();
    expect(worker.sent.map((c) => c.type)).toEqual(['measureDownload']);
    await actions.askToLoadSharedModel({ kind: 'hub', repoId: 'test-org/tiny-vit' });
    await actions.answerSharedModel(true);
    await settle();
    expect(worker.sent.map((c) => c.type)).toEqual(['measureDownload', 'measureDownload', 'loadModel']);
  });
});
