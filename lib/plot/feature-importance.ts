/**
 * Feature importance as horizontal bars, largest |value| first: permutation importance (with its
 * spread), KernelSHAP or LIME values of one row, or any list of numbers.
 */
import { ShapeError, ValueError } from '../errors.js';
import { Tensor } from '../tensor.js';
import { checkInteger, checkOptions, checkPositiveInteger, checkString, typeError } from '../validate.js';
import { drawAxes, linearScale, type Box } from './axes.js';
import { finish, numbersOf, pictureOptions, PICTURE_OPTIONS, type PictureOptions } from './picture.js';
import { colourOf, document, element, num, text } from './svg.js';

/** Options of {@link featureImportance}. */
export interface FeatureImportanceOptions extends PictureOptions {
  /** Names of the features (default `x0`, `x1`, ...). */
  featureNames?: readonly string[];
  /** Draw only the `top` features by |value| (default 15). */
  top?: number;
  /** For KernelSHAP and LIME results of several rows: the row drawn (default 0). */
  row?: number;
  /** The value axis' title (default: what the result measures). */
  xLabel?: string;
}

/**
 * A bar chart of feature importances, largest first (permutation importance by value, other
 * results by magnitude); positive bars in vermillion,
 * negative in blue, with ± one standard deviation for permutation importance.
 * ```ts
 * const result = dn.explain.permutationImportance(model, xTest, yTest, { seed: 1 });
 * dn.plot.featureImportance(result, { featureNames, file: 'importance.png' });
 * ```
 * @param result a permutation importance, KernelSHAP or LIME result, or numbers (a tensor or array, one per feature)
 */
export function featureImportance(result: unknown, options: FeatureImportanceOptions = {}): string {
  const where = 'plot.featureImportance';
  const o = checkOptions<FeatureImportanceOptions>(where, options, [...PICTURE_OPTIONS, 'featureNames', 'top', 'row', 'xLabel']);
  const { values, spread, measure, byValue } = importancesOf(where, result, o.row === undefined ? 0 : o.row);
  const count = values.length;
  if (count === 0) throw new ValueError(`${where}: there are no features to draw`);
  let names: string[];
  if (o.featureNames !== undefined) {
    if (!Array.isArray(o.featureNames) || o.featureNames.some((v) => typeof v !== 'string')) typeError(where, 'featureNames', 'an array of strings', o.featureNames);
    if (o.featureNames.length !== count) throw new ShapeError(`${where}: featureNames must name ${count} features, got ${o.featureNames.length}`);
    names = [...o.featureNames];
  } else {
    names = values.map((_, j) => `x${j}`);
  }
  const top = Math.min(count, o.top === undefined ? 15 : checkPositiveInteger(where, 'top', o.top));
  // Permutation importance ranks by value (a negative one only means the feature does not help);
  // signed contributions (SHAP, LIME) rank by magnitude.
  const order = values.map((_, j) => j)
    .sort((a, b) => (byValue ? values[b] - values[a] : Math.abs(values[b]) - Math.abs(values[a])) || a - b).slice(0, top);
  const xLabel = o.xLabel === undefined ? measure : checkString(where, 'xLabel', o.xLabel);

  const labelSpace = 16 + Math.min(200, Math.max(...order.map((j) => names[j].length)) * 6.8);
  const barSpace = 24;
  const titleSpace = o.title === undefined ? 16 : 42;
  const picture = pictureOptions(where, o, labelSpace + 440, titleSpace + top * barSpace + 58);
  const box: Box = { x: labelSpace, y: titleSpace, width: picture.width - labelSpace - 24, height: picture.height - titleSpace - 58 };
  const ends = order.flatMap((j) => [values[j] - (spread?.[j] ?? 0), values[j] + (spread?.[j] ?? 0), 0]);
  const x = linearScale(Math.min(...ends), Math.max(...ends), box.x, box.x + box.width);
  const parts: string[] = [];
  if (picture.title !== undefined) parts.push(text(picture.width / 2, 26, picture.title, { size: 15, anchor: 'middle', weight: 'bold' }));
  parts.push(drawAxes(box, x, null, { x: xLabel }));
  const zero = x.map(0);
  const band = box.height / top;
  order.forEach((j, k) => {
    const y = box.y + k * band;
    const end = x.map(values[j]);
    parts.push(element('rect', {
      x: Math.min(zero, end), y: y + band * 0.18, width: Math.max(0.5, Math.abs(end - zero)), height: band * 0.64,
      fill: values[j] >= 0 ? colourOf(3) : colourOf(0),
    }));
    if (spread !== null && spread[j] > 0) {
      const cy = y + band / 2;
      const [a, b] = [x.map(values[j] - spread[j]), x.map(values[j] + spread[j])];
      parts.push(element('path', { d: `M${num(a)} ${num(cy)}H${num(b)}M${num(a)} ${num(cy - 4)}V${num(cy + 4)}M${num(b)} ${num(cy - 4)}V${num(cy + 4)}`, stroke: '#222222', 'stroke-width': 1.2, fill: 'none' }));
    }
    parts.push(text(box.x - 6, y + band / 2, names[j], { size: 11, anchor: 'end', baseline: 'middle' }));
  });
  parts.push(element('line', { x1: zero, y1: box.y, x2: zero, y2: box.y + box.height, stroke: '#222222', 'stroke-width': 1 }));
  return finish(where, document(picture.width, picture.height, parts.join('\n'), picture.title ?? 'Feature importance'), picture);
}

function importancesOf(where: string, result: unknown, rowOption: unknown): { values: number[]; spread: number[] | null; measure: string; byValue: boolean } {
  const row = (t: Tensor, name: string): number[] => {
    if (t.rank !== 2) throw new ShapeError(`${where}: ${name} must be [rows, features]`);
    const r = checkInteger(where, 'row', rowOption, 0, t.shape[0] - 1);
    return Array.from(t.dataSync().subarray(r * t.shape[1], (r + 1) * t.shape[1]));
  };
  if (result instanceof Tensor || Array.isArray(result) || ArrayBuffer.isView(result)) {
    return { values: numbersOf(where, 'result', result), spread: null, measure: 'importance', byValue: false };
  }
  if (result !== null && typeof result === 'object') {
    const r = result as Record<string, unknown>;
    if (Array.isArray(r.importances)) {
      const spread = Array.isArray(r.std) ? (r.std as number[]) : null;
      return { values: r.importances as number[], spread, measure: `${r.metric === 'accuracy' || typeof r.metric !== 'string' ? 'drop in' : 'rise of'} ${typeof r.metric === 'string' ? r.metric : 'score'} when shuffled`, byValue: true };
    }
    if (r.values instanceof Tensor) return { values: row(r.values, 'values'), spread: null, measure: 'SHAP value (contribution to the output)', byValue: false };
    if (r.coefficients instanceof Tensor) return { values: row(r.coefficients, 'coefficients'), spread: null, measure: 'LIME coefficient (output change per std)', byValue: false };
  }
  typeError(where, 'result', 'a permutationImportance, kernelShap or lime result, or numbers', result);
}
