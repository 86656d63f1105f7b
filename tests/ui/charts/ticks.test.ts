import { describe, expect, it } from 'vitest';
import { formatTick, niceAxis, niceStep } from '../../../src/ui/charts/ticks';

describe('round axis ticks', () => {
  it('steps are 1, 2 or 5 × 10^k', () => {
    expect(niceStep(29, 5)).toBe(10);
    expect(niceStep(1.8, 5)).toBe(0.5);
    expect(niceStep(103, 5)).toBe(50);
    expect(niceStep(0.7, 5)).toBe(0.2);
  });

  it('a step axis from 1 to 30 reads 0, 10, 20, 30 (what the Compare charts showed as 1.00, 9.00, 17.0, 25.0, 30.0)', () => {
    const axis = niceAxis(1, 30, { integer: true });
    expect(axis.ticks).toEqual([0, 10, 20, 30]);
    expect(axis.ticks.map((t) => formatTick(t, axis))).toEqual(['0', '10', '20', '30']);
  });

  it('a loss axis from 4.05 to 5.85 reads 4.0 … 6.0 in halves', () => {
    const axis = niceAxis(4.05, 5.85);
    expect(axis.domain).toEqual([4, 6]);
    expect(axis.ticks).toEqual([4, 4.5, 5, 5.5, 6]);
    expect(axis.ticks.map((t) => formatTick(t, axis))).toEqual(['4.0', '4.5', '5.0', '5.5', '6.0']);
  });

  it('seconds from 3.97 to 107 read 0, 50, 100, 150', () => {
    expect(niceAxis(3.97, 107).ticks).toEqual([0, 50, 100, 150]);
  });

  it('covers the data, without floating-point dust', () => {
    const axis = niceAxis(0.1, 0.7);
    expect(axis.ticks).toEqual([0, 0.2, 0.4, 0.6, 0.8]);
    expect(axis.domain[0]).toBeLessThanOrEqual(0.1);
    expect(axis.domain[1]).toBeGreaterThanOrEqual(0.7);
  });

  it('integer axes never get fractional ticks, and one point gets an axis around it', () => {
    expect(niceAxis(1, 2, { integer: true }).ticks).toEqual([1, 2]);
    expect(niceAxis(1, 1, { integer: true }).ticks).toEqual([0, 1, 2]);
    const single = niceAxis(1.066, 1.066);
    expect(single.domain[0]).toBeLessThan(1.066);
    expect(single.domain[1]).toBeGreaterThan(1.066);
  });

  it('groups thousands', () => {
    const axis = niceAxis(0, 12_000);
    expect(formatTick(10_000, axis)).toBe('10,000');
  });
});
