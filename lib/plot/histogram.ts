/**
 * A histogram of all the values of a tensor (weights, activations, gradients, a feature).
 */
import { checkOptions, checkPositiveInteger, checkString, typeError, valueError, checkNumber } from '../validate.js';
import { drawAxes, linearScale, title, type Box } from './axes.js';
import { extent, finish, numbersOf, pictureOptions, PICTURE_OPTIONS, type PictureOptions } from './picture.js';
import { colourOf, document, element, text } from './svg.js';

/** Options of {@link histogram}. */
export interface HistogramOptions extends PictureOptions {
  /** Number of equal-width bins (default 30). */
  bins?: number;
  /** The range binned (default: the smallest to the largest value); values outside are left out. */
  range?: readonly [number, number];
  xLabel?: string;
}

/**
 * The distribution of a tensor's values in equal-width bins, with their count, mean and standard
 * deviation written in the corner. Non-finite values are counted apart and reported.
 * ```ts
 * dn.plot.histogram(model.layers[0].getWeights()[0], { title: 'dense_1 kernel', file: 'weights.svg' });
 * ```
 */
export function histogram(values: unknown, options: HistogramOptions = {}): string {
  const where = 'plot.histogram';
  const o = checkOptions<HistogramOptions>(where, options, [...PICTURE_OPTIONS, 'bins', 'range', 'xLabel']);
  const all = numbersOf(where, 'values', values);
  const finite = all.filter(Number.isFinite);
  const bins = o.bins === undefined ? 30 : checkPositiveInteger(where, 'bins', o.bins);
  if (bins > 1000) valueError(where, 'bins', 'at most 1000', bins);
  let [low, high] = extent(finite);
  if (o.range !== undefined) {
    if (!Array.isArray(o.range) || o.range.length !== 2) typeError(where, 'range', 'a pair [low, high]', o.range);
    [low, high] = [checkNumber(where, 'range[0]', o.range[0]), checkNumber(where, 'range[1]', o.range[1])];
    if (high <= low) valueError(where, 'range', 'a pair [low, high] with low < high', o.range);
  }
  if (high === low) {
    low -= 0.5;
    high += 0.5;
  }
  const counts = new Array<number>(bins).fill(0);
  let inRange = 0;
  for (const v of finite) {
    if (v < low || v > high) continue;
    counts[Math.min(bins - 1, Math.floor(((v - low) / (high - low)) * bins))]++;
    inRange++;
  }
  const picture = pictureOptions(where, o, 520, 360);
  const top = picture.title === undefined ? 20 : 44;
  const box: Box = { x: 70, y: top, width: picture.width - 90, height: picture.height - top - 56 };
  const x = linearScale(low, high, box.x, box.x + box.width, { nice: false });
  const y = linearScale(0, Math.max(1, ...counts), box.y + box.height, box.y);
  const parts = [drawAxes(box, x, y, { x: o.xLabel === undefined ? 'value' : checkString(where, 'xLabel', o.xLabel), y: 'count' })];
  const width = box.width / bins;
  counts.forEach((count, b) => {
    if (count === 0) return;
    const top = y.map(count);
    parts.push(element('rect', { x: box.x + b * width, y: top, width, height: box.y + box.height - top, fill: colourOf(0), stroke: '#ffffff', 'stroke-width': width > 4 ? 0.8 : 0 }));
  });
  const mean = finite.reduce((a, v) => a + v, 0) / Math.max(1, finite.length);
  const std = Math.sqrt(finite.reduce((a, v) => a + (v - mean) ** 2, 0) / Math.max(1, finite.length));
  const notes = [`n = ${inRange}`, `mean = ${mean.toPrecision(3)}`, `std = ${std.toPrecision(3)}`];
  if (finite.length < all.length) notes.push(`${all.length - finite.length} not finite`);
  if (inRange < finite.length) notes.push(`${finite.length - inRange} outside the range`);
  notes.forEach((note, i) => parts.push(text(box.x + box.width - 8, box.y + 16 + i * 15, note, { size: 11, anchor: 'end' })));
  parts.push(title(box, picture.title));
  return finish(where, document(picture.width, picture.height, parts.join('\n'), picture.title ?? 'Histogram'), picture);
}
