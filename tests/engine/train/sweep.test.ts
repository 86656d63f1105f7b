/** A rank sweep's pure parts: the list, the runs, the CSV both the CLI and the app write, the Pareto frontier. */
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SWEEP_RANKS,
  paretoFrontier,
  parseRankList,
  SWEEP_CSV_COLUMNS,
  sweepCsv,
  sweepMethodsProblem,
  sweepRuns,
  type SweepRow,
} from '../../../src/engine/train/sweep';

describe('parseRankList', () => {
  it('reads a comma-separated list in the order given', () => {
    expect(parseRankList('1,2,4,8')).toEqual([1, 2, 4, 8]);
    expect(parseRankList(' 16 , 4 ')).toEqual([16, 4]);
    expect(parseRankList(DEFAULT_SWEEP_RANKS.join(','))).toEqual([1, 2, 4, 8, 16]);
  });

  it('says what is wrong with a bad list', () => {
    expect(() => parseRankList('')).toThrow(/comma-separated list of whole numbers ≥ 1/);
    expect(() => parseRankList('1,,2')).toThrow(/comma-separated list.*got "1,,2"/);
    expect(() => parseRankList('1,x')).toThrow(/whole numbers ≥ 1, got "x" in "1,x"/);
    expect(() => parseRankList('0,2')).toThrow(/got "0"/);
    expect(() => parseRankList('2.5')).toThrow(/got "2.5"/);
    expect(() => parseRankList('-1')).toThrow(/got "-1"/);
    expect(() => parseRankList('4,2,4')).toThrow(/rank 4 is listed twice/);
    expect(() => parseRankList(Array.from({ length: 17 }, (_, i) => i + 1).join(','))).toThrow(/at most 16 ranks/);
  });
});

describe('sweepRuns', () => {
  it('makes every (method, rank), method by method, with α at the method default scale α / r', () => {
    // WeGeFT on language models defaults to r 16, α 32 (scale 2); on image classifiers r 16, α 16 (scale 1).
    expect(sweepRuns(['wegeft', 'lora'], [1, 4], 'causal-lm')).toEqual([
      { method: 'wegeft', rank: 1, alpha: 2 },
      { method: 'wegeft', rank: 4, alpha: 8 },
      { method: 'lora', rank: 1, alpha: 2 },
      { method: 'lora', rank: 4, alpha: 8 },
    ]);
    expect(sweepRuns(['wegeft'], [2], 'image-classification')).toEqual([{ method: 'wegeft', rank: 2, alpha: 2 }]);
    // VeRA has a rank but no α.
    expect(sweepRuns(['vera'], [8], 'causal-lm')).toEqual([{ method: 'vera', rank: 8 }]);
    expect(sweepRuns(['lora'], [2, 8], 'causal-lm', 3)).toEqual([
      { method: 'lora', rank: 2, alpha: 3 },
      { method: 'lora', rank: 8, alpha: 3 },
    ]);
  });

  it('refuses methods without a rank, repeated methods, and none', () => {
    expect(() => sweepRuns(['lora', 'bitfit'], [1], 'causal-lm')).toThrow(/BitFit has no rank to sweep over \(methods with a rank: wegeft, lora, dora, pissa, vera\)/);
    expect(sweepMethodsProblem(['full', 'head'])).toMatch(/^Full fine-tuning, Head only have no rank/);
    expect(sweepMethodsProblem(['lora', 'lora'])).toBe('method lora is listed twice');
    expect(sweepMethodsProblem([])).toBe('choose at least one method to sweep');
    expect(sweepMethodsProblem(['wegeft', 'dora'])).toBeNull();
  });
});

describe('sweepCsv', () => {
  const row: SweepRow = {
    method: 'wegeft',
    rank: 4,
    alpha: 8,
    trainable_parameters: 1792,
    metric_name: 'accuracy',
    metric: 0.875,
    base_metric: 0.1,
    validation_loss: 0.42,
    steps: 6,
    step_ms: 12.5,
    throughput: 640,
    peak_bytes: 123456,
    seed: 42,
  };

  it('writes a header of the columns and one line per row, empty cells for what is missing', () => {
    const csv = sweepCsv([row, { ...row, method: 'lora', metric_name: null, metric: null, base_metric: null, validation_loss: null }]);
    expect(csv).toBe(
      'method,rank,alpha,trainable_parameters,metric_name,metric,base_metric,validation_loss,steps,step_ms,throughput,peak_bytes,seed\n' +
        'wegeft,4,8,1792,accuracy,0.875,0.1,0.42,6,12.5,640,123456,42\n' +
        'lora,4,8,1792,,,,,6,12.5,640,123456,42\n',
    );
    expect(SWEEP_CSV_COLUMNS.slice(0, 4)).toEqual(['method', 'rank', 'alpha', 'trainable_parameters']);
  });

  it('quotes a field with a comma or a quote', () => {
    expect(sweepCsv([{ ...row, method: 'my "lora", v2' }]).split('\n')[1]).toMatch(/^"my ""lora"", v2",4,/);
  });
});

describe('paretoFrontier', () => {
  // Parameters and accuracy of six runs, drawn by hand:
  //   0: 100 → 0.50   on (fewest parameters)
  //   1: 200 → 0.70   on
  //   2: 300 → 0.60   off (1 has fewer and better)
  //   3: 400 → 0.80   on
  //   4: 400 → 0.75   off (3: as many, better)
  //   5: 800 → 0.80   off (3: fewer, as good)
  const points = [
    { parameters: 100, metric: 0.5 },
    { parameters: 200, metric: 0.7 },
    { parameters: 300, metric: 0.6 },
    { parameters: 400, metric: 0.8 },
    { parameters: 400, metric: 0.75 },
    { parameters: 800, metric: 0.8 },
  ];

  it('keeps the points no other beats on both parameters and metric, by ascending parameters', () => {
    expect(paretoFrontier(points, true)).toEqual([0, 1, 3]);
  });

  it('with a metric where lower is better (perplexity), the other way', () => {
    // Lower is better: 0 (100, 0.5) beats every point with more parameters and a larger value.
    expect(paretoFrontier(points, false)).toEqual([0]);
    expect(paretoFrontier([{ parameters: 10, metric: 90 }, { parameters: 20, metric: 80 }, { parameters: 30, metric: 85 }], false)).toEqual([0, 1]);
  });

  it('keeps equal points together and skips non-finite metrics', () => {
    expect(paretoFrontier([{ parameters: 5, metric: 1 }, { parameters: 5, metric: 1 }, { parameters: 1, metric: Number.NaN }], true)).toEqual([0, 1]);
    expect(paretoFrontier([], true)).toEqual([]);
  });

  it('agrees with a brute-force definition on random points', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let trial = 0; trial < 50; trial++) {
      const pts = Array.from({ length: 12 }, () => ({ parameters: Math.floor(random() * 10), metric: Math.floor(random() * 10) }));
      const dominated = (i: number) => pts.some((q, j) => j !== i && q.parameters <= pts[i].parameters && q.metric >= pts[i].metric && (q.parameters < pts[i].parameters || q.metric > pts[i].metric));
      const expected = pts.map((_, i) => i).filter((i) => !dominated(i));
      expect([...paretoFrontier(pts, true)].sort((a, b) => a - b)).toEqual(expected);
    }
  });
});
