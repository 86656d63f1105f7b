/**
 * `npm run demo`: a short run on each bundled model and its bundled demo
 * dataset completes and ends with one JSON line holding the train CLI's
 * report (`base_eval`, `final_eval` with accuracy or perplexity) and the
 * demo's verdict. The full-length runs and their numbers are in
 * docs/pretraining.md (they take minutes, too long for the test suite).
 */
import { describe, expect, it } from 'vitest';
import { demoTrainArgs, DEMOS, judgeDemo, parseDemoArgs } from '../../scripts/lib/demo';
import { methodSpec } from '../../src/engine/adapters/methods';
import type { TrainReport } from '../../scripts/lib/train-report';
import { lastJsonLine, runScript } from '../helpers/cli';

const runDemo = (args: string[]) => runScript('demo.ts', args);


describe('npm run demo', () => {
  it('vit: fine-tunes the bundled ViT on the digits and reports held-out accuracy before and after', async () => {
    const { code, stdout, stderr } = await runDemo(['vit', '--steps', '2', '--json']);
    expect(stderr).toContain('base model held-out accuracy');
    expect(code).toBe(0);
    const report = lastJsonLine(stdout);
    expect(report).toMatchObject({ demo: 'vit', method: 'wegeft', steps: 2, model: DEMOS.vit.model, num_tensors_growth: 0 });
    const base = report.base_eval as { accuracy: number };
    const final = report.final_eval as { accuracy: number };
    expect(base.accuracy).toBeGreaterThanOrEqual(0);
    expect(final.accuracy).toBeLessThanOrEqual(1);
    expect(report.expectation).toMatchObject({ metric: 'accuracy', base: base.accuracy, final: final.accuracy });
  });

  it('lm: fine-tunes the bundled GPT-2 on the speeches with another method and reports held-out perplexity', async () => {
    const { code, stdout } = await runDemo(['lm', '--method', 'lora', '--steps', '2', '--json']);
    expect(code).toBe(0);
    const report = lastJsonLine(stdout);
    expect(report).toMatchObject({ demo: 'lm', method: 'lora', steps: 2 });
    const base = report.base_eval as { perplexity: number };
    const final = report.final_eval as { perplexity: number };
    expect(base.perplexity).toBeGreaterThan(1);
    expect(final.perplexity).toBeGreaterThan(1);
  });

  it('without --json, prints the two metrics and the verdict in words', async () => {
    const { code, stdout } = await runDemo(['vit', '--method', 'head', '--steps', '1']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/base model held-out accuracy: +\d\.\d{4}/);
    expect(stdout).toMatch(/fine-tuned \(head\) held-out accuracy: \d\.\d{4}/);
    expect(stdout).toMatch(/expected: accuracy ≥ 0\.85 — (met|NOT met)/);
  });

  it('rejects an unknown demo or method, with the usage', async () => {
    const { code, stderr } = await runDemo(['vit', '--method', 'prompt-tuning']);
    expect(code).toBe(2);
    expect(stderr).toContain('--method must be one of wegeft, lora, dora, pissa, vera, ia3, full, bitfit, head, got "prompt-tuning"');
    expect(stderr).toContain('usage: npm run demo');
  });
});

describe('demo settings and verdicts', () => {
  it('passes the demo settings to the train CLI, the user\'s options winning', () => {
    const options = parseDemoArgs(['lm', '--steps', '7', '--lr', '0.01']);
    const args = demoTrainArgs(DEMOS.lm, options, '/root');
    expect(args.join(' ')).toContain('--model /root/public/models/gpt2-tiny-moby-brown --data /root/public/datasets/sotu.txt');
    // Rank, alpha and learning rate: the method's defaults for the task, unless given.
    expect(args.join(' ')).toContain('--val-data /root/public/datasets/sotu.val.txt --method wegeft --lr 0.01 --steps 7');
    expect(args).not.toContain('--rank');
    expect(demoTrainArgs(DEMOS.lm, parseDemoArgs(['lm']), '/root')).not.toContain('--lr');
    expect(demoTrainArgs(DEMOS.vit, parseDemoArgs(['vit', '--rank', '4']), '/root').join(' ')).toContain('--rank 4 --targets all-linear');
    // Targets go to every method that has them, and only to those.
    expect(demoTrainArgs(DEMOS.vit, parseDemoArgs(['vit', '--method', 'ia3']), '/root')).toContain('all-linear');
    expect(demoTrainArgs(DEMOS.vit, parseDemoArgs(['vit', '--method', 'full']), '/root')).not.toContain('--targets');
    expect(() => demoTrainArgs(DEMOS.vit, parseDemoArgs(['vit', '--method', 'full', '--rank', '4']), '/root')).toThrow(/--rank is not an option of Full fine-tuning/);
  });

  it('trains WeGeFT with the settings the demos measured (docs/pretraining.md): rank 16, lr 1e-2 (lm) and 5e-3 (vit)', () => {
    expect(methodSpec('wegeft').defaults['causal-lm']).toMatchObject({ learningRate: 1e-2, options: { rank: 16, alpha: 32 } });
    expect(methodSpec('wegeft').defaults['image-classification']).toMatchObject({ learningRate: 5e-3, options: { rank: 16, alpha: 16 } });
    expect(methodSpec('full').defaults['image-classification'].learningRate).toBe(5e-4);
  });

  const report = (base: object, final: object) => ({ base_eval: base, final_eval: final }) as unknown as TrainReport;

  it('judges the ViT by accuracy ≥ 0.85 and the LM by a perplexity ≥ 10% lower', () => {
    expect(judgeDemo(DEMOS.vit, report({ loss: 2, accuracy: 0.1 }, { loss: 0.3, accuracy: 0.86 })).met).toBe(true);
    expect(judgeDemo(DEMOS.vit, report({ loss: 2, accuracy: 0.1 }, { loss: 0.5, accuracy: 0.84 })).met).toBe(false);
    expect(judgeDemo(DEMOS.lm, report({ loss: 5, perplexity: 100 }, { loss: 4.5, perplexity: 89 })).met).toBe(true);
    expect(judgeDemo(DEMOS.lm, report({ loss: 5, perplexity: 100 }, { loss: 4.6, perplexity: 91 })).met).toBe(false);
  });
});
