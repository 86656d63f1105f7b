import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { RunSeries } from './series';
import { ChartCard } from './ChartCard';
import { formatNumber } from '../format';
import { formatTick, niceAxis } from './ticks';

/** One line per run, in the run's colour; the shared body of the line charts. */
export function RunLinesChart({
  name,
  title,
  series,
  xLabel,
  yLabel,
  logY = false,
}: {
  name: string;
  title: string;
  series: RunSeries[];
  xLabel: string;
  yLabel: string;
  logY?: boolean;
}) {
  const xs = series.flatMap((s) => s.points.map((p) => p.x));
  const ys = series.flatMap((s) => s.points.map((p) => p.y));
  // Steps are whole numbers: their axis never shows fractions.
  const xAxis = niceAxis(Math.min(...xs), Math.max(...xs), { integer: xs.every(Number.isInteger) });
  const yAxis = niceAxis(Math.min(...ys), Math.max(...ys));
  return (
    <ChartCard name={name} title={title} empty={series.length === 0}>
      <ResponsiveContainer width="100%" height={220}>
        <LineChart margin={{ top: 8, right: 16, bottom: 20, left: 8 }}>
          <CartesianGrid strokeDasharray="3 3" className="grid" />
          <XAxis type="number" dataKey="x" domain={xAxis.domain} ticks={xAxis.ticks} interval={0} tickFormatter={(v: number) => formatTick(v, xAxis)} label={{ value: xLabel, position: 'insideBottom', offset: -12 }} allowDuplicatedCategory={false} />
          <YAxis
            type="number"
            dataKey="y"
            scale={logY ? 'log' : 'auto'}
            {...(logY
              ? { domain: ['auto', 'auto'], tickFormatter: (v: number) => formatNumber(v, 3) }
              : { domain: yAxis.domain, ticks: yAxis.ticks, interval: 0, tickFormatter: (v: number) => formatTick(v, yAxis) })}
            // The caption names the quantity; an axis label would overlap the ticks.
            name={yLabel}
            width={64}
          />
          <Tooltip formatter={(value) => formatNumber(Number(value))} labelFormatter={(label) => `${xLabel} ${formatNumber(Number(label), 4)}`} />
          <Legend verticalAlign="top" height={24} />
          {series.map((s) => (
            <Line key={s.runId} data={s.points} dataKey="y" name={s.name} stroke={s.color} dot={s.points.length < 3} isAnimationActive={false} strokeWidth={2} />
          ))}
        </LineChart>
      </ResponsiveContainer>
    </ChartCard>
  );
}
