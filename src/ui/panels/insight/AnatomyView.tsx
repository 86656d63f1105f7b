import { useState } from 'react';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { RunUpdateAnalysis } from '../../../worker/protocol';
import { RunLinesChart } from '../../charts/RunLinesChart';
import { formatNumber } from '../../format';
import type { RunRecord } from '../../store/types';
import { alignmentSummary, anatomyGrid, heatColor, heatTextColor, moduleAt, ratioScale, spectrumSeries } from './view-model';
import { RunName } from '../../components/RunName';

/** Update anatomy: the ‖ΔW‖/‖W‖ heat map of every run, then spectra and alignment side by side. */
export function AnatomyView({ results, runs }: { results: RunUpdateAnalysis[]; runs: RunRecord[] }) {
  const analysed = results.filter((r) => r.modules.length > 0);
  const grid = anatomyGrid(analysed);
  const scale = ratioScale(analysed);
  const [picked, setPicked] = useState<{ layer: number; kind: string } | null>(null);
  const focus = picked && grid.layers.includes(picked.layer) && grid.kinds.includes(picked.kind)
    ? picked
    : grid.layers.length > 0 ? { layer: grid.layers[grid.layers.length - 1], kind: grid.kinds[0] } : null;
  const runOf = (id: string) => runs.find((r) => r.id === id);
  const summaries = analysed.map(alignmentSummary);
  const ks = summaries[0]?.meanEnergy.map((e) => e.k) ?? [];
  const energyData = ks.map((k) => {
    const row: Record<string, number | string> = { k: `top-${k}` };
    for (const s of summaries) {
      const share = s.meanEnergy.find((e) => e.k === k)?.share;
      if (share !== null && share !== undefined) row[s.runId] = 100 * share;
    }
    return row;
  });

  return (
    <div className="anatomy" data-testid="anatomy">
      {results.filter((r) => r.error).map((r) => (
        <p key={r.runId} className="muted small" data-testid="anatomy-error">
          {runOf(r.runId)?.name ?? r.runId}: {r.error}
        </p>
      ))}
      {analysed.length > 0 && (
        <>
          <h3 className="small-heading">‖ΔW‖ / ‖W‖ per layer and module</h3>
          <div className="anatomy-maps">
            {analysed.map((r) => (
              <div key={r.runId} className="anatomy-map" data-testid="anatomy-map">
                <p className="run-label">
                  <RunName name={runOf(r.runId)?.name ?? r.runId} color={runOf(r.runId)?.color} />
                  <span className="muted small"> · {r.modules.length} modules in {formatNumber(r.elapsedMs / 1000, 2)} s</span>
                </p>
                <table className="heat-table">
                  <thead>
                    <tr>
                      <th scope="col">layer</th>
                      {grid.kinds.map((kind) => (
                        <th key={kind} scope="col" title={kind}>
                          {kind}
                        </th>
                      ))}
                    </tr>
                  </thead>
                  <tbody>
                    {grid.layers.map((layer) => (
                      <tr key={layer}>
                        <th scope="row">{layer}</th>
                        {grid.kinds.map((kind) => {
                          const m = moduleAt(r, layer, kind);
                          if (!m) return <td key={kind} className="heat-empty" title="not changed by this method" />;
                          const position = scale.position(m.deltaFroOverWeightFro);
                          const selected = focus?.layer === layer && focus.kind === kind;
                          return (
                            <td
                              key={kind}
                              data-testid="anatomy-cell"
                              className={selected ? 'heat-cell selected' : 'heat-cell'}
                              style={{ background: heatColor(position), color: heatTextColor(position) }}
                              title={`${m.module}: ‖ΔW‖/‖W‖ = ${m.deltaFroOverWeightFro.toExponential(3)}, effective rank ${formatNumber(m.effectiveRank, 3)}`}
                            >
                              <button type="button" className="heat-button" onClick={() => setPicked({ layer, kind })} aria-label={`${m.module}: show its spectrum`}>
                                {m.deltaFroOverWeightFro.toExponential(1)}
                              </button>
                            </td>
                          );
                        })}
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            ))}
          </div>
          <div className="heat-legend small muted">
            <span>{scale.min.toExponential(1)}</span>
            <span className="heat-legend-bar" style={{ background: `linear-gradient(to right, ${[0, 0.25, 0.5, 0.75, 1].map(heatColor).join(', ')})` }} />
            <span>{scale.max.toExponential(1)}</span>
            <span>(log scale, shared by every run)</span>
          </div>
          <p className="chart-note">
            How large each update is against the weight it changes. Methods that spend their budget in a few
            modules show hot spots; compare where each method puts its change.
          </p>

          {focus && (
            <>
              <RunLinesChart
                name="spectrum"
                title={`Singular values of ΔW: layer ${focus.layer}, ${focus.kind}`}
                series={spectrumSeries(analysed, runs, focus.layer, focus.kind)}
                xLabel="index i"
                yLabel="σᵢ (log scale)"
                logY
              />
              <p className="chart-note">
                Click a cell above to pick the module. A flat spectrum (effective rank near r) uses every direction it
                has; a steep one concentrates the update in a few. Low-rank methods' spectra are exact, computed from
                their factors.
              </p>
            </>
          )}

          <h3 className="small-heading">Alignment with the frozen weight (mean over modules)</h3>
          <table className="summary-table" data-testid="alignment-table">
            <thead>
              <tr>
                <th scope="col">run</th>
                <th scope="col">modules</th>
                <th scope="col">‖ΔW‖/‖W‖</th>
                <th scope="col">effective rank</th>
                <th scope="col">amplification</th>
                {ks.map((k) => (
                  <th key={k} scope="col">energy in W's top-{k}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {summaries.map((s) => (
                <tr key={s.runId}>
                  <td>
                    <RunName name={runOf(s.runId)?.name ?? s.runId} color={runOf(s.runId)?.color} />
                  </td>
                  <td>{s.modules}</td>
                  <td>{s.meanRatio.toExponential(2)}</td>
                  <td>{formatNumber(s.meanEffectiveRank, 3)}</td>
                  <td>{s.meanAmplification === null ? '—' : formatNumber(s.meanAmplification, 3)}</td>
                  {s.meanEnergy.map((e) => (
                    <td key={e.k}>{e.share === null ? '—' : `${(100 * e.share).toFixed(1)}%`}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
          {energyData.length > 0 && (
            <figure className="chart" data-testid="chart-energy" aria-label="Share of ΔW's energy in W's top-k singular subspace">
              <figcaption>Share of ΔW's energy in W's top-k singular subspace (mean over modules)</figcaption>
              <ResponsiveContainer width="100%" height={220}>
                <BarChart data={energyData} margin={{ top: 8, right: 16, bottom: 20, left: 8 }}>
                  <CartesianGrid strokeDasharray="3 3" className="grid" />
                  <XAxis dataKey="k" label={{ value: "W's top-k left singular subspace", position: 'insideBottom', offset: -12 }} />
                  <YAxis domain={[0, 100]} ticks={[0, 25, 50, 75, 100]} unit="%" label={{ value: 'energy share', angle: -90, position: 'insideLeft' }} />
                  <Tooltip formatter={(v) => `${formatNumber(Number(v), 3)}%`} />
                  <Legend verticalAlign="top" />
                  {summaries.map((s) => (
                    <Bar key={s.runId} dataKey={s.runId} name={runOf(s.runId)?.name ?? s.runId} fill={runOf(s.runId)?.color} isAnimationActive={false} />
                  ))}
                </BarChart>
              </ResponsiveContainer>
            </figure>
          )}
          <p className="chart-note">
            WeGeFT's update is W·φᵀ·ψ, so it lies in W's column space by construction and its energy follows W's
            top singular directions; LoRA's B can point anywhere. The amplification factor (Hu et al., 2021)
            ‖ΔW‖/‖UᵀWV‖, with U, V the top singular vectors of ΔW, is large when the update amplifies directions
            the frozen weight barely uses.
          </p>
        </>
      )}
    </div>
  );
}
