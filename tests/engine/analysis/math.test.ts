/**
 * The analysis maths against float64 references written in torch from the
 * definitions (make_reference.py beside this file): cluster maps as the
 * authors' visualiser computes them, and the update anatomy from dense SVDs.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { anatomy, effectiveRank, type DeltaMatrix } from '../../../src/engine/analysis/anatomy';
import { clusterMaps, heatmapOverlay, jet, resizeBilinear, tokenScores } from '../../../src/engine/analysis/clusters';
import { productSvd } from '../../../src/engine/linalg/svd';
import { createRng } from '../../../src/engine/random';

interface ClusterCase {
  r: number; d: number; grid_h: number; grid_w: number; height: number; width: number;
  directions: number[]; tokens: number[]; upsampled: number[]; maps: number[];
}
interface AnatomyCase {
  m: number; n: number; dense: boolean; weight: number[]; delta?: number[]; left?: number[]; right?: number[]; rank?: number;
  delta_fro_over_weight_fro: number; singular_values: number[]; effective_rank: number | null; stable_rank: number;
  alignment_rank: number; projected_weight_fro: number; amplification_factor: number; energy: { k: number; share: number }[];
}
const reference = JSON.parse(readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), 'reference.json'), 'utf8')) as {
  clusters: ClusterCase[];
  anatomy: AnatomyCase[];
};

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  expect(worst).toBeLessThan(tolerance);
}

describe('cluster maps', () => {
  it.each(reference.clusters.map((c, i) => [i, c] as const))('case %i: upsampling and maps equal the authors\' computation in torch', (_, c) => {
    const scores = new Float64Array(c.r * c.grid_h * c.grid_w);
    for (let q = 0; q < c.r; q++) {
      for (let t = 0; t < c.grid_h * c.grid_w; t++) {
        let s = 0;
        for (let j = 0; j < c.d; j++) s += c.directions[q * c.d + j] * c.tokens[t * c.d + j];
        scores[q * c.grid_h * c.grid_w + t] = s;
      }
    }
    const plane = c.grid_h * c.grid_w;
    const up = Array.from({ length: c.r }, (_, q) =>
      Array.from(resizeBilinear(scores.subarray(q * plane, (q + 1) * plane), c.grid_h, c.grid_w, c.height, c.width)),
    ).flat();
    expectClose(up, c.upsampled, 1e-12);
    const maps = clusterMaps({
      directions: Float64Array.from(c.directions), r: c.r, tokens: Float64Array.from(c.tokens), d: c.d,
      gridHeight: c.grid_h, gridWidth: c.grid_w, height: c.height, width: c.width,
    });
    // float32 maps; a value within rounding of the threshold may fall either side, in torch as here.
    const unthresholded = Array.from({ length: c.r }, (_, q) => {
      const map = c.upsampled.slice(q * c.height * c.width, (q + 1) * c.height * c.width);
      const min = Math.min(...map);
      const max = Math.max(...map);
      return map.map((v) => (v - min) / (max - min));
    }).flat();
    const clear = [...c.maps.keys()].filter((i) => Math.abs(unthresholded[i] - 0.5) > 1e-9);
    expect(clear.length).toBeGreaterThan(0.9 * c.maps.length);
    expectClose(clear.map((i) => maps[i]), clear.map((i) => c.maps[i]), 1e-6);
    // Each map spans [0.5, 1] where it is non-zero, with its maximum at 1.
    for (let q = 0; q < c.r; q++) {
      const map = maps.subarray(q * c.height * c.width, (q + 1) * c.height * c.width);
      expect(Math.max(...map)).toBeCloseTo(1, 6);
      expect([...map].every((v) => v === 0 || v >= 0.5)).toBe(true);
    }
  });

  it('a zero direction gives an all-zero map, not NaN', () => {
    const maps = clusterMaps({
      directions: new Float64Array(4), r: 1, tokens: Float64Array.from({ length: 16 }, (_, i) => i), d: 4,
      gridHeight: 2, gridWidth: 2, height: 4, width: 4,
    });
    expect([...maps].every((v) => v === 0)).toBe(true);
  });

  it('rejects directions and tokens of the wrong size, naming both shapes', () => {
    expect(() => clusterMaps({ directions: new Float64Array(5), r: 2, tokens: new Float64Array(8), d: 2, gridHeight: 2, gridWidth: 2, height: 2, width: 2 }))
      .toThrow(/5 values, not 2 × 2/);
    expect(() => clusterMaps({ directions: new Float64Array(4), r: 2, tokens: new Float64Array(6), d: 2, gridHeight: 2, gridWidth: 2, height: 2, width: 2 }))
      .toThrow(/6 values, not 4 × 2/);
  });

  it('token scores are min–max normalised per direction over the tokens', () => {
    // 2 directions over d = 2; 3 tokens.
    const scores = tokenScores([1, 0, 0, 1], 2, [0, 5, 1, 0, 2, 10], 3, 2);
    expect([...scores]).toEqual([0, 0.5, 1, 0.5, 0, 1]);
  });

  it('jet runs from dark blue through green to dark red, and the overlay mixes 0.6 heat with 0.4 image', () => {
    expect(jet(0)).toEqual([0, 0, 0.5]);
    expect(jet(255)).toEqual([0.5, 0, 0]);
    const mid = jet(128);
    expect(mid[1]).toBeCloseTo(1, 1);
    // A 1 × 2 image: black and white pixels, maps 0 and 1.
    const rgba = heatmapOverlay([0, 0, 0, 1, 1, 1], [0, 1], 1, 2);
    // heat: (0, 0, 128) and (128, 0, 0) → normalised (0, 0, 1 − ε), (1 − ε, 0, 0) with the authors' 1e-8 in
    // the range; cam: (0, 0, 0.6), (1, 0.4, 0.4), normalised by its own range (1) and truncated to bytes:
    // 0.6 − ε → 152, 0.4 → 102.
    expect([...rgba]).toEqual([0, 0, 152, 255, 255, 102, 102, 255]);
  });
});

function deltaOf(c: AnatomyCase): DeltaMatrix {
  if (c.dense) return { kind: 'dense', matrix: { rows: c.m, cols: c.n, data: Float64Array.from(c.delta!) } };
  return {
    kind: 'low-rank',
    left: { rows: c.m, cols: c.rank!, data: Float64Array.from(c.left!) },
    right: { rows: c.rank!, cols: c.n, data: Float64Array.from(c.right!) },
  };
}

describe('update anatomy', () => {
  it.each(reference.anatomy.map((c, i) => [i, c.dense ? 'dense' : `rank ${c.rank}`, c] as const))(
    'case %i (%s ΔW): norms, spectrum, alignment and energy equal the dense float64 reference',
    (_, __, c) => {
      const result = anatomy(
        { rows: c.m, cols: c.n, data: Float64Array.from(c.weight) },
        deltaOf(c),
        { energyKs: c.energy.map((e) => e.k), denseAlignmentRank: c.alignment_rank },
      );
      expect(result.deltaFroOverWeightFro).toBeCloseTo(c.delta_fro_over_weight_fro, 10);
      expectClose(result.deltaSingularValues.slice(0, c.singular_values.length), c.singular_values, 1e-9);
      expect(result.spectrumComplete).toBe(true);
      if (c.effective_rank !== null) expect(result.effectiveRank).toBeCloseTo(c.effective_rank, 8);
      expect(result.stableRank).toBeCloseTo(c.stable_rank, 8);
      expect(result.alignmentRank).toBe(c.alignment_rank);
      expect(result.projectedWeightFro).toBeCloseTo(c.projected_weight_fro, 8);
      expect(result.amplificationFactor!).toBeCloseTo(c.amplification_factor, 8);
      expect(result.energyInWeightTopK.map((e) => e.k)).toEqual(c.energy.map((e) => e.k));
      expectClose(result.energyInWeightTopK.map((e) => e.share!), c.energy.map((e) => e.share), 1e-8);
    },
  );

  it('a zero update (a fresh WeGeFT: φ = 0) reports zeros and no amplification, never NaN', () => {
    const w = { rows: 6, cols: 5, data: Float64Array.from({ length: 30 }, (_, i) => Math.sin(i + 1)) };
    const result = anatomy(w, { kind: 'low-rank', left: { rows: 6, cols: 2, data: new Float64Array(12) }, right: { rows: 2, cols: 5, data: Float64Array.from({ length: 10 }, (_, i) => i) } });
    expect(result.deltaFro).toBe(0);
    expect(result.deltaSingularValues).toEqual([0, 0]);
    expect(result.effectiveRank).toBe(0);
    expect(result.amplificationFactor).toBeNull();
    expect(result.energyInWeightTopK.every((e) => e.share === null)).toBe(true);
    expect(JSON.stringify(result)).not.toContain('NaN');
  });

  it('WeGeFT\'s ΔW = W·φᵀ·ψ lies in W\'s column space: all its energy is inside W\'s top-k subspace when W has rank k', () => {
    // W (8, 6) of rank 3; ΔW = W · M for a random M (6, 6) written as thin factors (W, M).
    const random = createRng(5);
    const a = Float64Array.from({ length: 8 * 3 }, () => random() - 0.5);
    const b = Float64Array.from({ length: 3 * 6 }, () => random() - 0.5);
    const w = new Float64Array(48);
    for (let i = 0; i < 8; i++) for (let j = 0; j < 6; j++) for (let t = 0; t < 3; t++) w[i * 6 + j] += a[i * 3 + t] * b[t * 6 + j];
    const m = Float64Array.from({ length: 36 }, () => random() - 0.5);
    const result = anatomy({ rows: 8, cols: 6, data: w }, { kind: 'low-rank', left: { rows: 8, cols: 6, data: w }, right: { rows: 6, cols: 6, data: m } }, { energyKs: [1, 3] });
    expect(result.energyInWeightTopK[1].share!).toBeCloseTo(1, 10);
    expect(result.energyInWeightTopK[0].share!).toBeLessThan(1);
    expect(result.deltaSingularValues.filter((s) => s > 1e-9).length).toBe(3);
  });

  it('effective rank: 1 for one singular value, r for r equal ones', () => {
    expect(effectiveRank([3, 0, 0])).toBeCloseTo(1, 12);
    expect(effectiveRank([2, 2, 2, 2])).toBeCloseTo(4, 12);
    expect(effectiveRank([0, 0])).toBe(0);
  });

  it('productSvd of a rank-deficient product reconstructs it and reports zero singular values', () => {
    const left = { rows: 5, cols: 3, data: Float64Array.from([1, 2, 3, 2, 4, 6, 0, 1, 1, 1, 0, 1, 3, 6, 9]) };
    const right = { rows: 3, cols: 4, data: Float64Array.from([1, 0, 2, 1, 0, 1, 1, 0, 1, 1, 3, 1]) };
    const svd = productSvd(left, right);
    for (let i = 0; i < 5; i++) {
      for (let j = 0; j < 4; j++) {
        let direct = 0;
        for (let t = 0; t < 3; t++) direct += left.data[i * 3 + t] * right.data[t * 4 + j];
        let rebuilt = 0;
        for (let t = 0; t < svd.k; t++) rebuilt += svd.u[i * svd.k + t] * svd.s[t] * svd.v[j * svd.k + t];
        expect(rebuilt).toBeCloseTo(direct, 10);
      }
    }
    expect([...svd.s].sort((x, y) => y - x)).toEqual([...svd.s]);
  });
});
