import { Bar, BarChart, CartesianGrid, Cell, LabelList, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { formatCount } from '../format';
import type { RunRecord } from '../store/types';
import { ChartCard } from './ChartCard';

/** Trainable parameters per run on a log scale: WeGeFT's are often 10× fewer than LoRA's. */
export function TrainableParamsChart({ runs }: { runs: RunRecord[] }) {
  const data = runs
    .filter((r) => r.trainable?.count)
    .map((r) => ({ runId: r.id, name: r.name, color: r.color, count: r.trainable!.count! }));
  const max = Math.max(10, ...data.map((d) => d.count));
  return (
    <ChartCard name="params" title="Trainable parameters (log scale)" empty={data.length === 0}>
      <ResponsiveContainer width="100%" height={220}>
        <BarChart data={data} margin={{ top: 20, right: 16, bottom: 8, left: 8 }}>
          <CartesianGrid strokeDasharray="3 3" className="grid" />
          <XAxis dataKey="name" interval={0} tick={{ fontSize: 11 }} />
          <YAxis scale="log" domain={[1, max * 2]} allowDataOverflow tickFormatter={(v: number) => formatCount(v)} width={64} />
          <Tooltip formatter={(value) => formatCount(Number(value))} />
          <Bar dataKey="count" name="trainable parameters" isAnimationActive={false}>
            {data.map((d) => (
              <Cell key={d.runId} fill={d.color} data-run-id={d.runId} />
            ))}
            <LabelList dataKey="count" position="top" formatter={(v) => formatCount(Number(v))} />
          </Bar>
        </BarChart>
      </ResponsiveContainer>
    </ChartCard>
  );
}
