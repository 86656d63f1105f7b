import { useRef } from 'react';
import { CartesianGrid, Legend, ResponsiveContainer, Scatter, ScatterChart, Symbols, Tooltip, XAxis, YAxis } from 'recharts';
import { sweepCsv } from '../../engine/train/sweep';
import { downloadBytes } from '../engine/download';
import { formatBytes, formatCount, formatNumber } from '../format';
import type { MetricPoint } from '../../worker/protocol';
import type { RunRecord } from '../store/types';
import { ChartCard } from './ChartCard';
import { chartsToPng } from './charts-png';
import { efficiencyFrontier, efficiencyLines, efficiencyPoints, logAxis, sweepRowsOf, type EfficiencyPoint } from './efficiency';
import { formatTick, niceAxis } from './ticks';

/** Neutral greys that read on both themes (run colours are the points'; the PNG keeps plain colours). */
const LINE_COLOR = '#8a8f98';
const FRONTIER_COLOR = '#555b66';

/** A marker per method (the fill is the run's own colour, as in every chart). */
const SHAPES = ['circle', 'square', 'triangle', 'diamond', 'star', 'cross', 'wye'] as const;

/**
 * Validation metric against trainable parameters (log scale) of the
 * finished runs: one line per method through its runs in rank order, each
 * run's point in its colour, the Pareto frontier (no run has fewer
 * parameters and a better metric) ringed and joined by a dashed line.
 * Exports the runs as the train CLI's sweep CSV, and the chart as PNG.
 */
export function EfficiencyChart({ runs, metrics }: { runs: RunRecord[]; metrics: Record<string, MetricPoint[]> }) {
  const figure = useRef<HTMLDivElement>(null);
  const points = efficiencyPoints(runs, metrics);
  const lines = efficiencyLines(points);
  const frontier = efficiencyFrontier(points);
  const metric = points[0]?.metricName ?? 'accuracy';
  const x = logAxis(Math.min(...points.map((p) => p.x)), Math.max(...points.map((p) => p.x)));
  const y = niceAxis(Math.min(...points.map((p) => p.y)), Math.max(...points.map((p) => p.y)));
  const better = metric === 'accuracy' ? 'higher is better' : 'lower is better';
  const exportCsv = () => downloadBytes('sweep.csv', sweepCsv(sweepRowsOf(runs, metrics)), 'text/csv');
  const exportPng = async () => {
    if (!figure.current) return;
    const legend = points.map((p) => ({ name: p.name, color: p.color }));
    downloadBytes('accuracy-per-parameter.png', await chartsToPng(figure.current, legend), 'image/png');
  };
  return (
    <div ref={figure} className="efficiency">
      <ChartCard name="efficiency" title={`Validation ${metric} per trainable parameter (${better}; ringed: Pareto frontier)`} empty={points.length === 0}>
        <ResponsiveContainer width="100%" height={260}>
          <ScatterChart margin={{ top: 8, right: 16, bottom: 24, left: 8 }}>
            <CartesianGrid strokeDasharray="3 3" className="grid" />
            <XAxis
              type="number"
              dataKey="x"
              scale="log"
              domain={x.domain}
              ticks={x.ticks}
              interval={0}
              allowDataOverflow
              tickFormatter={(v: number) => formatCount(v)}
              label={{ value: 'trainable parameters (log scale)', position: 'insideBottom', offset: -14 }}
            />
            <YAxis type="number" dataKey="y" domain={y.domain} ticks={y.ticks} interval={0} tickFormatter={(v: number) => formatTick(v, y)} width={64} name={metric} />
            <Tooltip content={(props) => <PointTooltip active={props.active} payload={props.payload as readonly { payload?: unknown }[] | undefined} metric={metric} />} />
            <Legend verticalAlign="top" height={24} />
            {lines.map((line, i) => (
              <Scatter
                key={line.method}
                name={line.label}
                data={line.points}
                legendType={SHAPES[i % SHAPES.length]}
                fill={LINE_COLOR}
                line={{ stroke: LINE_COLOR, strokeWidth: 1.5 }}
                isAnimationActive={false}
                shape={(props: { cx?: number; cy?: number; payload?: EfficiencyPoint }) => (
                  <g data-testid="efficiency-point" data-run-id={props.payload?.runId}>
                    <Symbols cx={props.cx} cy={props.cy} type={SHAPES[i % SHAPES.length]} size={90} fill={props.payload?.color} stroke={FRONTIER_COLOR} strokeWidth={0.5} />
                  </g>
                )}
              />
            ))}
            <Scatter
              name="Pareto frontier"
              data={frontier}
              legendType="circle"
              // The legend's icon takes this fill (the ringed points draw their own, unfilled).
              fill={FRONTIER_COLOR}
              line={{ stroke: FRONTIER_COLOR, strokeDasharray: '4 3', strokeWidth: 1 }}
              isAnimationActive={false}
              shape={(props: { cx?: number; cy?: number; payload?: EfficiencyPoint }) => (
                <circle data-testid="frontier-point" data-run-id={props.payload?.runId} cx={props.cx} cy={props.cy} r={9} fill="none" stroke={FRONTIER_COLOR} strokeWidth={1.5} />
              )}
            />
          </ScatterChart>
        </ResponsiveContainer>
      </ChartCard>
      <div className="row small">
        <button type="button" disabled={points.length === 0} onClick={exportCsv}>
          Export CSV
        </button>
        <button type="button" disabled={points.length === 0} onClick={() => void exportPng()}>
          Export PNG
        </button>
      </div>
    </div>
  );
}

function PointTooltip({ active, payload, metric }: { active?: boolean; payload?: readonly { payload?: unknown }[]; metric: string }) {
  const point = active ? (payload?.[0]?.payload as EfficiencyPoint | undefined) : undefined;
  if (!point) return null;
  return (
    <div className="chart-tooltip" data-testid="efficiency-tooltip">
      <strong>{point.name}</strong>
      <div>{formatCount(point.x)} trainable parameters</div>
      <div>
        {metric} {metric === 'accuracy' ? `${(point.y * 100).toFixed(1)}%` : formatNumber(point.y)}
      </div>
      <div>step time {point.stepMs === null ? '–' : `${formatNumber(point.stepMs, 3)} ms`}</div>
      <div>memory {point.peakBytes === null ? '–' : formatBytes(point.peakBytes)}</div>
    </div>
  );
}
