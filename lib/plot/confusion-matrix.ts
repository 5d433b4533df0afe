/**
 * A confusion matrix: true classes down, predicted classes across, each cell's count written in it
 * and shaded by the share of its true class (so rare classes read as clearly as common ones).
 */
import { ShapeError } from '../errors.js';
import { checkBoolean, checkOptions, typeError } from '../validate.js';
import { colourBar, frame, type Box } from './axes.js';
import { finish, labelsOf, pictureOptions, PICTURE_OPTIONS, type PictureOptions } from './picture.js';
import { blues, document, element, hex, luminance, text } from './svg.js';

/** Options of {@link confusionMatrix}. */
export interface ConfusionMatrixOptions extends PictureOptions {
  /** Names of the classes (default 0, 1, ...). */
  classNames?: readonly string[];
  /** Write each cell as the share of its true class (default false: counts). */
  normalize?: boolean;
}

/**
 * A confusion matrix of predictions against labels.
 * ```ts
 * dn.plot.confusionMatrix(yTest, model.predict(xTest), { classNames: ['0', '1', ...], file: 'confusion.png' });
 * ```
 * @param yTrue class labels [samples] (or one-hot rows)
 * @param yPred predicted labels [samples] or the model's output rows [samples, classes] (their largest column)
 */
export function confusionMatrix(yTrue: unknown, yPred: unknown, options: ConfusionMatrixOptions = {}): string {
  const where = 'plot.confusionMatrix';
  const o = checkOptions<ConfusionMatrixOptions>(where, options, [...PICTURE_OPTIONS, 'classNames', 'normalize']);
  const actual = labelsOf(where, 'yTrue', yTrue);
  const predicted = labelsOf(where, 'yPred', yPred);
  if (actual.length !== predicted.length) {
    throw new ShapeError(`${where}: yTrue and yPred must have one label per sample each, got ${actual.length} and ${predicted.length}`);
  }
  const normalize = o.normalize === undefined ? false : checkBoolean(where, 'normalize', o.normalize);
  let classes = Math.max(1, ...actual.map((c) => c + 1), ...predicted.map((c) => c + 1));
  let names: string[];
  if (o.classNames !== undefined) {
    if (!Array.isArray(o.classNames) || o.classNames.some((v) => typeof v !== 'string')) typeError(where, 'classNames', 'an array of strings', o.classNames);
    if (o.classNames.length < classes) throw new ShapeError(`${where}: classNames names ${o.classNames.length} classes, but the labels go up to ${classes - 1}`);
    names = [...o.classNames];
    classes = names.length;
  } else {
    names = Array.from({ length: classes }, (_, c) => String(c));
  }
  const counts = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  actual.forEach((a, i) => counts[a][predicted[i]]++);
  const rowTotals = counts.map((row) => row.reduce((a, b) => a + b, 0));

  const longest = Math.max(...names.map((n) => n.length));
  const labelSpace = 12 + Math.min(120, longest * 7);
  // Short names stand upright under their column; longer ones are slanted.
  const slanted = longest > 3;
  const bottomSpace = slanted ? labelSpace * 0.75 + 10 : 22;
  const cell = Math.max(18, Math.min(90, Math.floor(440 / classes)));
  const titleSpace = o.title === undefined ? 30 : 56;
  const picture = pictureOptions(where, o, labelSpace + 40 + classes * cell + 90, titleSpace + classes * cell + bottomSpace + 34);
  const top = titleSpace;
  const side = Math.min(picture.width - labelSpace - 130, picture.height - top - bottomSpace - 34);
  const size = side / classes;
  const box: Box = { x: labelSpace + 40, y: top, width: side, height: side };
  const parts: string[] = [];
  if (picture.title !== undefined) parts.push(text(picture.width / 2, 26, picture.title, { size: 15, anchor: 'middle', weight: 'bold' }));
  const fontSize = Math.max(8, Math.min(13, size / 3.2));
  for (let a = 0; a < classes; a++) {
    for (let p = 0; p < classes; p++) {
      const share = rowTotals[a] === 0 ? 0 : counts[a][p] / rowTotals[a];
      const fill = blues(share);
      const x = box.x + p * size;
      const y = box.y + a * size;
      parts.push(element('rect', { x, y, width: size, height: size, fill: hex(fill), stroke: '#ffffff', 'stroke-width': 1 }));
      const label = normalize ? (rowTotals[a] === 0 ? '–' : share.toFixed(2)) : String(counts[a][p]);
      parts.push(text(x + size / 2, y + size / 2, label, {
        size: fontSize, anchor: 'middle', baseline: 'middle', colour: luminance(fill) < 0.5 ? '#ffffff' : '#222222', weight: a === p ? 'bold' : undefined,
      }));
    }
    parts.push(text(box.x - 6, box.y + (a + 0.5) * size, names[a], { size: 11, anchor: 'end', baseline: 'middle' }));
    parts.push(slanted
      ? text(box.x + (a + 0.5) * size, box.y + side + 8, names[a], { size: 11, anchor: 'end', baseline: 'middle', rotate: -45 })
      : text(box.x + (a + 0.5) * size, box.y + side + 16, names[a], { size: 11, anchor: 'middle' }));
  }
  parts.push(frame(box));
  parts.push(text(box.x + side / 2, box.y + side + bottomSpace + 22, 'predicted class', { anchor: 'middle' }));
  parts.push(text(box.x - labelSpace - 16, box.y + side / 2, 'true class', { anchor: 'middle', rotate: -90 }));
  parts.push(colourBar({ x: box.x + side + 20, y: box.y, width: 14, height: side }, (t) => hex(blues(t)), 0, 1, 1));
  parts.push(text(box.x + side + 27, box.y - 8, 'share of row', { size: 10, anchor: 'middle' }));
  return finish(where, document(picture.width, picture.height, parts.join('\n'), picture.title ?? 'Confusion matrix'), picture);
}
