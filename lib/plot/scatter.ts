/**
 * A scatter plot of two columns (or two tensors), coloured and shaped by class when labels are given.
 */
import { ShapeError } from '../errors.js';
import { Tensor, type TensorLike } from '../tensor.js';
import { checkOptions, checkString, formatShape, typeError } from '../validate.js';
import { drawAxes, LEGEND_LINE_HEIGHT, legendLines, legendRows, linearScale, marker, markerOf, type Box } from './axes.js';
import { extent, finish, labelsOf, pictureOptions, PICTURE_OPTIONS, tensorOf, type PictureOptions } from './picture.js';
import { colourOf, document, text } from './svg.js';

/** Options of {@link scatter}. */
export interface ScatterOptions extends PictureOptions {
  /** A class label per point: colours and marker shapes by class. */
  labels?: unknown;
  /** Names of the classes in the legend (default `class 0`, ...). */
  classNames?: readonly string[];
  xLabel?: string;
  yLabel?: string;
}

/**
 * Points (x, y): from `points` [n, 2], or from two tensors of n values each (`scatter(a, b)`).
 * ```ts
 * dn.plot.scatter(embedding, { labels: yTest, file: 'embedding.svg' });
 * dn.plot.scatter(model.layers[0].getWeights()[0].flatten(), model.layers[1].getWeights()[0].flatten());
 * ```
 */
export function scatter(points: TensorLike, options?: ScatterOptions): string;
export function scatter(x: TensorLike, y: TensorLike, options?: ScatterOptions): string;
export function scatter(points: unknown, second?: unknown, options: ScatterOptions = {}): string {
  const where = 'plot.scatter';
  // scatter(points, options) as well as scatter(xs, ys, options).
  const pairs = second === undefined || !(second instanceof Tensor || Array.isArray(second) || ArrayBuffer.isView(second));
  const opts = (pairs ? second ?? {} : options) as ScatterOptions;
  const o = checkOptions<ScatterOptions>(where, opts, [...PICTURE_OPTIONS, 'labels', 'classNames', 'xLabel', 'yLabel']);
  let xs: number[];
  let ys: number[];
  if (pairs) {
    const t = tensorOf(where, 'points', points);
    if (t.rank !== 2 || t.shape[1] !== 2) throw new ShapeError(`${where}: points must be [n, 2] (or give x and y as two tensors), got shape ${formatShape(t.shape)}`);
    const v = t.dataSync();
    xs = Array.from({ length: t.shape[0] }, (_, i) => v[2 * i]);
    ys = Array.from({ length: t.shape[0] }, (_, i) => v[2 * i + 1]);
  } else {
    xs = Array.from(tensorOf(where, 'x', points).dataSync());
    ys = Array.from(tensorOf(where, 'y', second).dataSync());
    if (xs.length !== ys.length) throw new ShapeError(`${where}: x and y must have as many values, got ${xs.length} and ${ys.length}`);
  }
  const labels = o.labels === undefined ? null : labelsOf(where, 'labels', o.labels);
  if (labels !== null && labels.length !== xs.length) throw new ShapeError(`${where}: labels must give one class per point (${xs.length}), got ${labels.length}`);
  if (o.classNames !== undefined && (!Array.isArray(o.classNames) || o.classNames.some((v) => typeof v !== 'string'))) typeError(where, 'classNames', 'an array of strings', o.classNames);
  const picture = pictureOptions(where, o, 520, 440);
  // The title, then the legend on lines of its own: nothing covers the data.
  const present = labels === null ? [] : [...new Set(labels)].sort((a, b) => a - b);
  const legend = legendLines(present.map((c) => ({ label: o.classNames?.[c] ?? `class ${c}`, colour: colourOf(c), marker: markerOf(c) })), picture.width - 60);
  const legendTop = picture.title === undefined ? 20 : 44;
  const top = legendTop + (legend.length === 0 ? 0 : 14 + (legend.length - 1) * LEGEND_LINE_HEIGHT);
  const box: Box = { x: 70, y: top, width: picture.width - 90, height: picture.height - top - 56 };
  // The data range widened by 5 % on each side, so that no point sits on the frame.
  const padded = ([low, high]: [number, number]): [number, number] => {
    const pad = Math.max(1e-6, (high - low) * 0.05);
    return [low - pad, high + pad];
  };
  const [xLow, xHigh] = padded(extent(xs));
  const [yLow, yHigh] = padded(extent(ys));
  const x = linearScale(xLow, xHigh, box.x, box.x + box.width, { nice: false });
  const y = linearScale(yLow, yHigh, box.y + box.height, box.y, { nice: false });
  const parts = [drawAxes(box, x, y, {
    x: o.xLabel === undefined ? 'x' : checkString(where, 'xLabel', o.xLabel),
    y: o.yLabel === undefined ? 'y' : checkString(where, 'yLabel', o.yLabel),
  })];
  const radius = xs.length > 2000 ? 2 : xs.length > 300 ? 3 : 4;
  xs.forEach((v, i) => {
    if (!Number.isFinite(v) || !Number.isFinite(ys[i])) return;
    const c = labels === null ? 0 : labels[i];
    parts.push(marker(markerOf(c), x.map(v), y.map(ys[i]), radius, colourOf(c)));
  });
  if (picture.title !== undefined) parts.push(text(picture.width / 2, 22, picture.title, { size: 14, anchor: 'middle', weight: 'bold' }));
  // Centred over the frame (70 .. width − 20); the lines are at most width − 60 wide, so they stay inside.
  parts.push(legendRows(box.x + box.width / 2, legendTop, legend));
  return finish(where, document(picture.width, picture.height, parts.join('\n'), picture.title ?? 'Scatter plot'), picture);
}
