// The chart of ratios (docs/compare.svg): a Vega-Lite spec rendered to SVG by vega in Node, no browser.
import * as vega from 'vega';
import { compile } from 'vega-lite';

function subtitle(result) {
  const { machine, mode, generatedAt } = result;
  const probes = result.probes.filter((p) => p.threads === 1 && p.fmaGflops).map((p) => p.fmaGflops.toFixed(0));
  const probe = probes.length ? [Math.min(...probes), Math.max(...probes)].filter((v, i, all) => all.indexOf(v) === i).join('–') : null;
  return [
    `${machine.cpu}, ${machine.cores} cores (${machine.isa.filter((f) => f.startsWith('avx')).join(', ')}), Node ${machine.node}`,
    `${generatedAt.slice(0, 10)}, ${mode} run${mode === 'quick' ? ' (noisy)' : ''}, load average ${machine.loadAverageAtStart[0]}` +
      (probe ? `, FMA probe ${probe} GFLOP/s on 1 thread (quiet machine: 174)` : ''),
    'points: median ratio; lines: min–max over the alternating pairs; log scale; above 1 = Dendrite faster',
  ];
}

export function chartSpec(result) {
  const order = [...new Set(result.results.map((r) => r.short ?? r.label))];
  const peerOrder = Object.keys(result.engines).filter((name) => name !== 'dendrite').map((name) => result.engines[name].label);
  const rows = result.results.flatMap((record) =>
    Object.entries(record.ratios).map(([peer, ratio]) => ({
      case: record.short ?? record.label,
      peer: result.engines[peer]?.label ?? peer,
      threads: `${record.threads} thread${record.threads > 1 ? 's' : ''}`,
      ratio: ratio.ratio,
      low: ratio.min,
      high: ratio.max,
    })),
  );
  const title = { text: 'Dendrite ÷ peer: how many times faster Dendrite is', subtitle: subtitle(result), anchor: 'start' };
  if (!rows.length) {
    const skipped = [...new Set(result.results.map((r) => r.engines.dendrite?.skipped).filter(Boolean))];
    return {
      title,
      width: 640,
      height: 40 + 16 * skipped.length,
      data: { values: [{ line: 'No Dendrite figure yet, so no ratio. Dendrite was skipped because:' }, ...skipped.map((s) => ({ line: `• ${s}` }))].map((d, i) => ({ ...d, i })) },
      mark: { type: 'text', align: 'left', baseline: 'top', fontSize: 12 },
      encoding: { text: { field: 'line' }, x: { value: 0 }, y: { field: 'i', type: 'ordinal', axis: null } },
    };
  }
  const y = { field: 'case', type: 'nominal', sort: order, title: null, axis: { labelLimit: 260, grid: true, gridColor: '#f0f0f0' } };
  const x = { type: 'quantitative', scale: { type: 'log' }, title: 'Dendrite ÷ peer (×)' };
  const color = { field: 'peer', type: 'nominal', title: 'peer', scale: { domain: peerOrder }, legend: { labelLimit: 260 } };
  const yOffset = { field: 'peer', sort: peerOrder };
  return {
    title,
    data: { values: rows },
    facet: { column: { field: 'threads', type: 'nominal', title: null, header: { labelFontSize: 13 } } },
    spec: {
      width: 300,
      height: { step: 8 },
      layer: [
        { mark: { type: 'rule', strokeWidth: 1.5 }, encoding: { y, yOffset, color, x: { field: 'low', ...x }, x2: { field: 'high' } } },
        { mark: { type: 'point', filled: true, size: 45 }, encoding: { y, yOffset, color, x: { field: 'ratio', ...x } } },
        { mark: { type: 'rule', strokeDash: [4, 3], color: '#444' }, encoding: { x: { datum: 1, type: 'quantitative' } } },
      ],
    },
    config: { font: 'Helvetica, Arial, sans-serif' },
  };
}

export async function renderChart(result) {
  const { spec } = compile(chartSpec(result));
  const view = new vega.View(vega.parse(spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}
