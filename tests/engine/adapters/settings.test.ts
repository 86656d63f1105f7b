/**
 * Method settings: defaults from the WeGeFT paper per family, and bad
 * settings explained in words (validate) or refused (countTrainable, create).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdapterSettingsError } from '../../../src/engine/adapters/common/settings';
import { adapterMethods, getAdapterMethod } from '../../../src/engine/adapters/registry';
import { useBackend } from '../../helpers/backend';
import { fixtureModel, randomModel, type TestModel } from './helpers';

const wegeft = getAdapterMethod('wegeft');
const lora = getAdapterMethod('lora');

let gpt2: TestModel;
let llama: TestModel;
let vit: TestModel;
beforeAll(async () => {
  await useBackend('cpu');
  gpt2 = await fixtureModel('gpt2');
  llama = await fixtureModel('llama');
  vit = await fixtureModel('vit');
});
afterAll(() => {
  for (const t of [gpt2, llama, vit]) t.dispose();
});

describe('defaults', () => {
  it('target the paper’s modules: q, k, v, up, down on Llama; the attention output on ViT', () => {
    expect(wegeft.withDefaults(llama.model, {}).targets).toEqual({ kind: 'suffixes', suffixes: ['q_proj', 'k_proj', 'v_proj', 'up_proj', 'down_proj'] });
    expect(wegeft.withDefaults(vit.model, {}).targets).toEqual({ kind: 'suffixes', suffixes: ['attention.output.dense'] });
  });

  it('are the declared ones for the model’s task, the rank capped at the layers’ width (α scaled alike)', async () => {
    const wide = await randomModel('wide llama', { family: 'llama', layers: 1, hidden: 128, heads: 4, intermediate: 256 });
    expect(wegeft.withDefaults(wide.model, {})).toMatchObject({ rank: 16, alpha: 32, perLayer: false });
    expect(lora.withDefaults(wide.model, {})).toMatchObject({ rank: 16, alpha: 32 });
    wide.dispose();
    const narrow = await randomModel('narrow llama', { family: 'llama', layers: 1, hidden: 8, heads: 2, intermediate: 16 });
    expect(wegeft.withDefaults(narrow.model, {})).toMatchObject({ rank: 8, alpha: 16 }); // d = 8
    expect(wegeft.withDefaults(narrow.model, { rank: 4 })).toMatchObject({ rank: 4, alpha: 32 });
    narrow.dispose();
    expect(wegeft.withDefaults(vit.model, {})).toMatchObject({ rank: 16, alpha: 16 });
    expect(lora.withDefaults(vit.model, {})).toMatchObject({ rank: 8, alpha: 8 });
    expect(wegeft.withDefaults(vit.model, {})).toMatchObject(wegeft.spec.defaults['image-classification'].options);
  });

  it('keep what was given, and give a classifier its checkpoint’s labels', () => {
    expect(lora.withDefaults(gpt2.model, { rank: 2, alpha: 3 })).toMatchObject({ rank: 2, alpha: 3 });
    expect(wegeft.withDefaults(vit.model, {}).labels).toEqual(['LABEL_0', 'LABEL_1', 'LABEL_2', 'LABEL_3', 'LABEL_4']);
    expect(wegeft.withDefaults(gpt2.model, {}).labels).toBeUndefined();
  });

  it('are valid for every method on every model (BitFit on a model without biases aside)', () => {
    for (const method of adapterMethods) {
      for (const t of [gpt2, llama, vit]) {
        if (method.name === 'bitfit' && t === llama) continue; // tested in the matrix and below
        expect(method.validate(t.model, method.withDefaults(t.model, {})), `${method.name} on ${t.name}`).toEqual([]);
      }
    }
  });
});

describe('bad settings', () => {
  const cases: [string, () => [TestModel, Record<string, unknown>], RegExp][] = [
    ['a zero rank', () => [gpt2, { rank: 0 }], /Rank r must be at least 1, got 0/],
    ['a fractional rank', () => [gpt2, { rank: 2.5 }], /Rank r must be a whole number, got 2.5/],
    ['a negative alpha', () => [gpt2, { alpha: -1 }], /Alpha α must be above 0, got -1/],
    ['a rank above the layer width', () => [gpt2, { rank: 33 }], /rank 33 is too large for transformer\.h\.0\.attn\.c_attn: .*= 32 adds parameters but no capacity/],
    ['targets that match nothing', () => [llama, { targets: { kind: 'suffixes', suffixes: ['c_attn'] } }], /match no linear layer of this Llama model/],
    ['labels on a language model', () => [gpt2, { labels: ['a', 'b'] }], /labels apply to classifiers only/],
    ['a single label', () => [vit, { labels: ['only'] }], /at least 2 labels, got 1/],
    ['repeated labels', () => [vit, { labels: ['cat', 'dog', 'cat'] }], /label names must be distinct; repeated: cat/],
  ];

  it.each(cases)('%s is explained by validate and refused by countTrainable and create', (_, setup, message) => {
    const [t, change] = setup();
    for (const method of [wegeft, lora]) {
      const settings = { ...method.withDefaults(t.model, {}), ...change };
      expect(method.validate(t.model, settings).join('; ')).toMatch(message);
      expect(() => method.countTrainable(t.model, settings)).toThrow(AdapterSettingsError);
      expect(() => method.create(t.model, settings, 0)).toThrow(message);
    }
  });

  it('LoRA’s rank limit is min(d_in, d_out)', async () => {
    const narrow = await randomModel('llama', { family: 'llama', layers: 1, hidden: 16, heads: 4, kvHeads: 1 });
    // k_proj maps 16 → 4 (one KV head of 4).
    const settings = lora.withDefaults(narrow.model, { rank: 5 });
    expect(lora.validate(narrow.model, settings).join()).toMatch(/rank 5 is too large for model\.layers\.0\.self_attn\.k_proj: .*min\(d_in, d_out\) = 4/);
    narrow.dispose();
  });

  // A method's code reads its typed config (every declared option present): settings that skipped the
  // defaults and lack a targets option must be stopped before count or create see them.
  it.each(adapterMethods.flatMap((m) => Object.entries(m.spec.options).filter(([, o]) => o.kind === 'targets').map(([key, o]) => [m.name, key, o.label] as const)))(
    '%s without its "%s" option is refused before its code reads it',
    (name, key, label) => {
      const method = getAdapterMethod(name);
      const settings: Record<string, unknown> = { ...method.withDefaults(gpt2.model, {}) };
      delete settings[key];
      const problem = `no ${label.toLowerCase()} given`;
      expect(method.validate(gpt2.model, settings as never)).toContain(problem);
      expect(() => method.countTrainable(gpt2.model, settings as never)).toThrow(AdapterSettingsError);
      expect(() => method.create(gpt2.model, settings as never, 0)).toThrow(problem);
    },
  );

  it('settings for another method are refused', () => {
    const settings = lora.withDefaults(gpt2.model, {});
    expect(wegeft.validate(gpt2.model, settings)).toContain('these settings are for "lora", not "wegeft"');
  });

  it('BitFit on a model without biases says there is nothing to train and what to choose instead', () => {
    const bitfit = getAdapterMethod('bitfit');
    const [problem] = bitfit.validate(llama.model, bitfit.withDefaults(llama.model, {}));
    expect(problem).toBe(
      'this Llama model has no bias terms, so BitFit would train nothing: choose WeGeFT, LoRA, full fine-tuning or head-only instead',
    );
  });

  it('an unknown method name is an error listing the known ones', () => {
    expect(() => getAdapterMethod('loha')).toThrow(
      'unknown fine-tuning method "loha" (known: wegeft, lora, dora, pissa, vera, ia3, full, bitfit, head)',
    );
  });
});
