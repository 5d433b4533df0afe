/**
 * Decision boundaries of a classifier over two input features: the predicted class on a grid
 * (shaded by confidence), the boundary line where the prediction changes, and the data on top.
 */
import { ShapeError, ValueError } from '../errors.js';
import { batchedPredict, batchOf, modelRunner, type ExplainableModel } from '../explain/common.js';
import { checkIntegerArray, checkOptions, checkPositiveInteger, formatShape, typeError } from '../validate.js';
import { drawAxes, LEGEND_LINE_HEIGHT, legendLines, legendRows, linearScale, marker, markerOf, type Box } from './axes.js';
import { extent, finish, labelsOf, pictureOptions, PICTURE_OPTIONS, tensorOf, type PictureOptions } from './picture.js';
import { pixelImage } from './raster.js';
import { blend, colourOf, document, element, num, rgbOf, text, type Rgb } from './svg.js';

/** Options of {@link decisionBoundary}. */
export interface DecisionBoundaryOptions extends PictureOptions {
  /** Grid points per axis at which the model is evaluated (default 120). */
  resolution?: number;
  /** The two features drawn, for inputs with more than two (the others are fixed at their mean). */
  features?: readonly [number, number];
  /** Axis titles (default `x0`, `x1`, ... by feature index). */
  featureNames?: readonly string[];
  /** Names of the classes in the legend (default `class 0`, ...). */
  classNames?: readonly string[];
}

const WHITE: Rgb = [255, 255, 255];

/**
 * The decision regions of a classifier over two input features, with the data (`y`: class
 * labels) drawn on top. A one-column output is read as the probability of class 1 (a sigmoid);
 * wider outputs by their largest column. Regions are shaded lighter where the model is less sure.
 * ```ts
 * dn.plot.decisionBoundary(model, xTrain, yTrain, { file: 'boundary.png', title: 'XOR, 2-4-1 network' });
 * ```
 * @param model a model or a function of a batch [rows, features]
 * @param x the data [samples, features]: two features, or more with `features` chosen
 * @param y class labels [samples] (or one-hot / probability rows)
 */
export function decisionBoundary(model: ExplainableModel, x: unknown, y: unknown, options: DecisionBoundaryOptions = {}): string {
  const where = 'plot.decisionBoundary';
  const o = checkOptions<DecisionBoundaryOptions>(where, options, [...PICTURE_OPTIONS, 'resolution', 'features', 'classNames', 'featureNames']);
  const runner = modelRunner(where, model);
  const data = tensorOf(where, 'x', x);
  if (data.rank !== 2) throw new ShapeError(`${where}: x must be 2-D [samples, features], got shape ${formatShape(data.shape)}`);
  const [n, d] = data.shape;
  if (n === 0) throw new ShapeError(`${where}: x has no rows`);
  let features: [number, number];
  if (o.features === undefined) {
    if (d !== 2) throw new ShapeError(`${where}: x has ${d} features; choose the two to draw with features: [i, j] (the others are fixed at their mean)`);
    features = [0, 1];
  } else {
    const chosen = checkIntegerArray(where, 'features', o.features, 0, d - 1);
    if (chosen.length !== 2 || chosen[0] === chosen[1]) typeError(where, 'features', 'two different feature indices [i, j]', o.features);
    features = [chosen[0], chosen[1]];
  }
  const labels = labelsOf(where, 'y', y);
  if (labels.length !== n) throw new ShapeError(`${where}: y must have one label per row of x (${n}), got ${labels.length}`);
  const resolution = o.resolution === undefined ? 120 : checkPositiveInteger(where, 'resolution', o.resolution);
  if (resolution < 2 || resolution > 1000) throw new ValueError(`${where}: resolution must be from 2 to 1000, got ${resolution}`);
  const featureNames = o.featureNames === undefined ? null : stringList(where, 'featureNames', o.featureNames);
  const picture = pictureOptions(where, o, 520, 460);

  const values = data.dataSync() as Float32Array;
  const column = (j: number): number[] => Array.from({ length: n }, (_, r) => values[r * d + j]);
  const means = Array.from({ length: d }, (_, j) => column(j).reduce((a, b) => a + b, 0) / n);
  const ranges = features.map((j) => {
    const [low, high] = extent(column(j));
    const pad = Math.max(1e-3, (high - low) * 0.08);
    return [low - pad, high + pad] as const;
  });

  // The model on a grid: point (i, k) at column i (first feature) and row k (second, from the top).
  const grid = new Float32Array(resolution * resolution * d);
  for (let k = 0; k < resolution; k++) {
    for (let i = 0; i < resolution; i++) {
      const row = (k * resolution + i) * d;
      for (let j = 0; j < d; j++) grid[row + j] = means[j];
      grid[row + features[0]] = ranges[0][0] + ((ranges[0][1] - ranges[0][0]) * i) / (resolution - 1);
      grid[row + features[1]] = ranges[1][1] - ((ranges[1][1] - ranges[1][0]) * k) / (resolution - 1);
    }
  }
  const out = batchedPredict(runner, batchOf(grid, resolution * resolution, [d]), 4096);
  const probabilities = (p: number): number[] => {
    if (out.width === 1) {
      const v = out.values[p];
      return [1 - v, v];
    }
    return Array.from(out.values.subarray(p * out.width, (p + 1) * out.width));
  };
  const classes = Math.max(out.width === 1 ? 2 : out.width, ...labels.map((l) => l + 1));
  const classNames = o.classNames === undefined ? Array.from({ length: classes }, (_, c) => `class ${c}`) : stringList(where, 'classNames', o.classNames);
  const predicted = new Int32Array(resolution * resolution);
  const confidence = new Float32Array(resolution * resolution);
  const width = out.width === 1 ? 2 : out.width;
  const margins = Array.from({ length: width }, () => new Float32Array(resolution * resolution));
  for (let p = 0; p < predicted.length; p++) {
    const probs = probabilities(p);
    let best = 0;
    for (let c = 1; c < probs.length; c++) if (probs[c] > probs[best]) best = c;
    predicted[p] = best;
    for (let c = 0; c < width; c++) {
      let other = -Infinity;
      for (let j = 0; j < width; j++) if (j !== c && probs[j] > other) other = probs[j];
      margins[c][p] = probs[c] - other;
    }
    // 0 where the two leading classes tie, 1 where one class is certain.
    const sorted = [...probs].sort((a, b) => b - a);
    confidence[p] = Math.max(0, Math.min(1, sorted[0] - (sorted[1] ?? 0)));
  }

  // The title, then the legend on lines of its own: nothing covers the data.
  const present = [...new Set(labels)].sort((a, b) => a - b);
  const legend = legendLines(present.map((c) => ({ label: classNames[c] ?? `class ${c}`, colour: colourOf(c), marker: markerOf(c) })), picture.width - 60);
  const legendTop = picture.title === undefined ? 20 : 44;
  const top = legendTop + 14 + (legend.length - 1) * LEGEND_LINE_HEIGHT;
  const box: Box = { x: 70, y: top, width: picture.width - 90, height: picture.height - top - 56 };
  const half = ranges.map(([low, high]) => (high - low) / (resolution - 1) / 2);
  const xs = linearScale(ranges[0][0] - half[0], ranges[0][1] + half[0], box.x, box.x + box.width, { nice: false });
  const ys = linearScale(ranges[1][0] - half[1], ranges[1][1] + half[1], box.y + box.height, box.y, { nice: false });
  const parts: string[] = [];
  parts.push(pixelImage(box, resolution, resolution, (i, k) => {
    const p = k * resolution + i;
    return blend(rgbOf(colourOf(predicted[p])), WHITE, 0.12 + 0.38 * confidence[p]);
  }, true));
  parts.push(drawAxes(box, xs, ys, {
    x: featureNames?.[features[0]] ?? `x${features[0]}`,
    y: featureNames?.[features[1]] ?? `x${features[1]}`,
  }));
  parts.push(element('path', { d: boundaryPath(out.width === 1 ? [margins[1]] : margins, resolution, xs, ys, ranges), fill: 'none', stroke: '#222222', 'stroke-width': 1.6, 'stroke-linecap': 'round' }));
  for (let r = 0; r < n; r++) {
    const label = labels[r];
    parts.push(marker(markerOf(label), xs.map(values[r * d + features[0]]), ys.map(values[r * d + features[1]]), 4.2, colourOf(label), '#222222'));
  }
  if (picture.title !== undefined) parts.push(text(picture.width / 2, 22, picture.title, { size: 14, anchor: 'middle', weight: 'bold' }));
  // Centred over the frame (70 .. width − 20); the lines are at most width − 60 wide, so they stay inside.
  parts.push(legendRows(box.x + box.width / 2, legendTop, legend));
  return finish(where, document(picture.width, picture.height, parts.join('\n'), picture.title ?? 'Decision boundary'), picture);
}

/**
 * The boundary as a path: for each class, the zero line of its margin (its probability minus the
 * largest other) traced by marching squares with linear interpolation between grid points. Where
 * two classes meet, both margins are zero on the same line.
 */
function boundaryPath(
  margins: readonly Float32Array[], resolution: number, xs: { map(v: number): number }, ys: { map(v: number): number },
  ranges: readonly (readonly [number, number])[],
): string {
  const step = ranges.map(([low, high]) => (high - low) / (resolution - 1));
  const px = (i: number): number => xs.map(ranges[0][0] + step[0] * i);
  const py = (k: number): number => ys.map(ranges[1][1] - step[1] * k);
  const segments: string[] = [];
  for (const field of margins) {
    const at = (i: number, k: number): number => field[k * resolution + i];
    for (let k = 0; k + 1 < resolution; k++) {
      for (let i = 0; i + 1 < resolution; i++) {
        // Corners in order around the cell; a crossing on each edge whose ends differ in sign.
        const corners: [number, number][] = [[i, k], [i + 1, k], [i + 1, k + 1], [i, k + 1]];
        const crossings: [number, number][] = [];
        for (let e = 0; e < 4; e++) {
          const [i0, k0] = corners[e];
          const [i1, k1] = corners[(e + 1) % 4];
          const a = at(i0, k0);
          const b = at(i1, k1);
          if ((a >= 0) !== (b >= 0)) {
            const t = a / (a - b);
            crossings.push([px(i0 + (i1 - i0) * t), py(k0 + (k1 - k0) * t)]);
          }
        }
        // Two crossings: one segment; four (a saddle): pair them by the cell's centre value.
        const pairs = crossings.length === 2 ? [[0, 1]] : crossings.length === 4
          ? ((at(i, k) + at(i + 1, k) + at(i + 1, k + 1) + at(i, k + 1) >= 0) === (at(i, k) >= 0) ? [[0, 3], [1, 2]] : [[0, 1], [2, 3]])
          : [];
        for (const [p, q] of pairs) {
          segments.push(`M${num(crossings[p][0])} ${num(crossings[p][1])}L${num(crossings[q][0])} ${num(crossings[q][1])}`);
        }
      }
    }
  }
  return segments.join('');
}

function stringList(where: string, name: string, value: unknown): string[] {
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) typeError(where, name, 'an array of strings', value);
  return value as string[];
}
