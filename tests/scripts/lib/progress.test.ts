/** The progress display: a bar redrawn in place on a terminal, plain lines in a log. */
import { describe, expect, it } from 'vitest';
import { formatDuration, ProgressBar } from '../../../scripts/lib/progress';

function stream(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, isTTY, columns: 100, write: (text: string) => writes.push(text) };
}

describe('ProgressBar', () => {
  it('shows step, loss, time per step and ETA', () => {
    let now = 0;
    const bar = new ProgressBar(stream(false), 10, () => now);
    now = 4000;
    expect(bar.describe(4)).toBe('[##########--------------] 4/10  loss …  1.00 s/step  ETA 6s');
  });

  it('redraws one line on a terminal and ends it when finished', () => {
    const out = stream(true);
    const bar = new ProgressBar(out, 2, () => 0);
    bar.update({ step: 1, loss: null, lossIsNew: false });
    bar.update({ step: 2, loss: 1.23456, lossIsNew: true });
    bar.finish();
    expect(out.writes).toHaveLength(3);
    expect(out.writes[0].startsWith('\r[')).toBe(true);
    expect(out.writes[1]).toContain('loss 1.2346');
    expect(out.writes[2]).toBe('\n');
  });

  it('writes a line per new loss (and at the end) to a log', () => {
    const out = stream(false);
    const bar = new ProgressBar(out, 3, () => 0);
    bar.update({ step: 1, loss: null, lossIsNew: false });
    bar.update({ step: 2, loss: 2, lossIsNew: true });
    bar.update({ step: 3, loss: null, lossIsNew: false });
    bar.finish();
    expect(out.writes.map((w) => w.trim().split('  ')[0])).toEqual(['[################--------] 2/3', '[########################] 3/3']);
    expect(out.writes[1]).toContain('loss 2.0000');
  });
});

describe('formatDuration', () => {
  it('reads as seconds, minutes or hours', () => {
    expect([formatDuration(4.2), formatDuration(75), formatDuration(3725)]).toEqual(['4s', '1m15s', '1h02m']);
  });
});
