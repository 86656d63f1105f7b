/**
 * One set of defaults: the app's Methods form, the train CLI and the
 * benchmark start every registered method, on a language model and on an
 * image classifier, from the same settings and learning rate (the
 * method's declaration), the benchmark replacing only its protocol's rank,
 * alpha and targets.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTrainArgs } from '../../../scripts/lib/train-args';
import { MODEL_TASKS } from '../../../src/engine/adapters/common/method-spec';
import { METHOD_SPECS, methodSpec } from '../../../src/engine/adapters/methods';
import { resolveAdapterSettings } from '../../../src/engine/adapters/registry';
import { benchAdapterSettings, benchProtocolInput } from '../../../src/engine/bench/run';
import { formForMethod, toRunSettings } from '../../../src/ui/schemas/run-form';
import { trainSettingsFor } from '../../../src/worker/run-session';
import { useBackend } from '../../helpers/backend';
import { randomModel, type TestModel } from './helpers';

describe('app, CLI and benchmark start each method from the same defaults', () => {
  const models: Partial<Record<(typeof MODEL_TASKS)[number], TestModel>> = {};
  beforeAll(async () => {
    await useBackend('cpu');
    models['causal-lm'] = await randomModel('gpt2', { family: 'gpt2', layers: 2, hidden: 16, heads: 2 });
    models['image-classification'] = await randomModel('vit', { family: 'vit', layers: 2, hidden: 16, heads: 2 });
  });
  afterAll(() => Object.values(models).forEach((m) => m?.dispose()));

  for (const spec of METHOD_SPECS) {
    for (const task of MODEL_TASKS) {
      it(`${spec.name} on a ${task} model`, () => {
        const model = models[task]!.model;
        // The app: a new form for the method and task, as the worker receives and resolves it.
        const form = formForMethod(spec.name, undefined, task);
        const app = resolveAdapterSettings(model, toRunSettings(form).method);
        expect(app.problems).toEqual([]);
        // The train CLI with nothing but the method: its options and its --lr default.
        const cli = parseTrainArgs(['--model', 'm', '--data', 'd', '--method', spec.name]);
        const fromCli = resolveAdapterSettings(model, { ...cli.methodOptions, method: cli.method });
        expect(fromCli.settings).toEqual(app.settings);
        expect(cli.train.learningRate).toBeUndefined(); // so train.ts takes the declared one:
        expect(methodSpec(cli.method).defaults[model.task].learningRate).toBe(trainSettingsFor(toRunSettings(form)).learningRate);
        // The benchmark: the protocol's rank, alpha and targets over the same defaults.
        const protocol = { rank: 4, alpha: 8 };
        const bench = benchAdapterSettings(model, spec.name, { ...protocol, methods: [spec.name], batchSize: 1, steps: 1, warmup: 0, readbackEvery: 1, seed: 0 });
        const replaced = resolveAdapterSettings(model, { ...toRunSettings(form).method, ...benchProtocolInput(spec.name, protocol) });
        expect(bench).toEqual(replaced.settings);
        // Beyond the protocol's fields (and module lists that follow its targets, as (IA)³'s feed-forward list does), the app's.
        const followsProtocol = ['rank', 'alpha', ...Object.entries(spec.options).filter(([, o]) => o.kind === 'targets').map(([k]) => k)];
        const without = (s: object) => Object.fromEntries(Object.entries(s).filter(([k]) => !followsProtocol.includes(k)));
        expect(without(bench)).toEqual(without(app.settings));
      });
    }
  }
});
