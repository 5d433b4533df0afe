/**
 * Training curves: one panel per logged quantity (loss, then each metric), the training value and
 * its validation value (`val_` in the logs) per epoch.
 */
import { History } from '../model/history.js';
import { ValueError } from '../errors.js';
import { checkOptions, typeError } from '../validate.js';
import { drawAxes, legendRows, linearScale, marker, type Box } from './axes.js';
import { finish, pictureOptions, PICTURE_OPTIONS, type PictureOptions } from './picture.js';
import { colourOf, document, element, num, text } from './svg.js';

/** Options of {@link trainingCurves}. */
export interface TrainingCurvesOptions extends PictureOptions {
  /** The quantities to draw (default: every one logged, loss first), without their `val_` prefix. */
  metrics?: readonly string[];
}

/** What `fit` returns, its `.history`, or any `{ name: valuePerEpoch[] }`. */
export type HistoryLike = History | { history: Readonly<Record<string, readonly number[]>> } | Readonly<Record<string, readonly number[]>>;

/**
 * Loss and metrics per epoch, training (solid) and validation (dashed), one panel each.
 * ```ts
 * const history = await model.fit(x, y, { epochs: 20, validationSplit: 0.2 });
 * dn.plot.trainingCurves(history, { file: 'curves.png' });
 * ```
 */
export function trainingCurves(history: HistoryLike, options: TrainingCurvesOptions = {}): string {
  const where = 'plot.trainingCurves';
  const o = checkOptions<TrainingCurvesOptions>(where, options, [...PICTURE_OPTIONS, 'metrics']);
  const logs = logsOf(where, history);
  const names = Object.keys(logs);
  const bases = [...new Set(names.map((n) => n.replace(/^val_/, '')))];
  const chosen = o.metrics === undefined ? bases : metricList(where, o.metrics, bases);
  if (chosen.length === 0) throw new ValueError(`${where}: the history has nothing logged (train with epochs >= 1 first)`);
  const ordered = chosen.includes('loss') ? ['loss', ...chosen.filter((n) => n !== 'loss')] : chosen;
  const picture = pictureOptions(where, o, 60 + 330 * ordered.length, 300);
  const top = picture.title === undefined ? 44 : 70;
  const panelWidth = picture.width / ordered.length;
  const parts: string[] = [];
  if (picture.title !== undefined) parts.push(text(picture.width / 2, 24, picture.title, { size: 15, anchor: 'middle', weight: 'bold' }));
  const legendY = top - 24;
  let legendEntries: { label: string; colour: string; dash?: string }[] = [];
  ordered.forEach((name, p) => {
    const box: Box = { x: p * panelWidth + 68, y: top, width: panelWidth - 88, height: picture.height - top - 56 };
    const series = [
      { label: 'training', values: logs[name] ?? [], colour: colourOf(0), dash: undefined, shape: 'circle' as const },
      { label: 'validation', values: logs[`val_${name}`] ?? [], colour: colourOf(1), dash: '6 4', shape: 'square' as const },
    ].filter((s) => s.values.length > 0);
    const epochs = Math.max(...series.map((s) => s.values.length));
    const x = linearScale(1, Math.max(2, epochs), box.x, box.x + box.width, { ticks: Math.min(6, Math.max(1, epochs - 1)), nice: false });
    const all = series.flatMap((s) => s.values);
    const [low, high] = [Math.min(...all.filter(Number.isFinite)), Math.max(...all.filter(Number.isFinite))];
    const y = linearScale(low, high, box.y + box.height, box.y);
    parts.push(drawAxes(box, x, y, { x: 'epoch', y: name }));
    for (const s of series) {
      // A non-finite value (a diverged loss) breaks the line rather than drawing it off the chart.
      let path = '';
      let pen = false;
      s.values.forEach((v, i) => {
        if (!Number.isFinite(v)) {
          pen = false;
          return;
        }
        path += `${pen ? 'L' : 'M'}${num(x.map(i + 1))} ${num(y.map(v))}`;
        pen = true;
      });
      parts.push(element('path', { d: path, fill: 'none', stroke: s.colour, 'stroke-width': 2.2, 'stroke-dasharray': s.dash, 'stroke-linejoin': 'round' }));
      if (s.values.length <= 40) {
        s.values.forEach((v, i) => {
          if (Number.isFinite(v)) parts.push(marker(s.shape, x.map(i + 1), y.map(v), 3, s.colour));
        });
      }
    }
    if (series.length > legendEntries.length) legendEntries = series.map((s) => ({ label: s.label, colour: s.colour, dash: s.dash }));
  });
  parts.push(legendRows(picture.width / 2, legendY, [legendEntries]));
  return finish(where, document(picture.width, picture.height, parts.join('\n'), picture.title ?? 'Training curves'), picture);
}

function logsOf(where: string, history: unknown): Record<string, number[]> {
  const source = history instanceof History ? history.history
    : history !== null && typeof history === 'object' && 'history' in history && typeof (history as { history: unknown }).history === 'object'
      ? (history as { history: unknown }).history : history;
  if (source === null || typeof source !== 'object' || Array.isArray(source)) typeError(where, 'history', 'a History (what fit returns) or { name: values per epoch }', history);
  const logs: Record<string, number[]> = {};
  for (const [name, values] of Object.entries(source as object)) {
    if (!Array.isArray(values) || values.some((v) => typeof v !== 'number')) typeError(where, `history['${name}']`, 'an array of numbers (one per epoch)', values);
    logs[name] = values as number[];
  }
  return logs;
}

function metricList(where: string, value: unknown, known: readonly string[]): string[] {
  if (!Array.isArray(value)) typeError(where, 'metrics', 'an array of logged names', value);
  return value.map((name, i) => {
    if (typeof name !== 'string') typeError(where, `metrics[${i}]`, 'a string', name);
    const base = name.replace(/^val_/, '');
    if (!known.includes(base)) throw new ValueError(`${where}: '${name}' was not logged; logged: ${known.join(', ')}`);
    return base;
  });
}
