/**
 * `model.summary()`: a table of the layers, their output shapes and parameter counts, like Keras.
 */
import { checkFunction, checkInteger, checkOptions } from '../validate.js';
import { formatLayerShape, type Layer } from '../layers/layer.js';

/** Options of `model.summary()`. */
export interface SummaryOptions {
  /** Total width of the table in characters (at least 40). Default 65, as in Keras. */
  lineLength?: number;
  /** Where each line goes. Default console.log. */
  printFn?: (line: string) => void;
}

/** What the summary needs from a model. */
export interface SummarySource {
  readonly name: string;
  readonly layers: readonly Layer[];
  readonly built: boolean;
}

function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(2)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(2)} MB`;
}

/** Builds the summary's lines for `model`. */
export function summaryLines(model: SummarySource, lineLength = 65): string[] {
  // Column starts as fractions of the width, as Keras places them: name, shape, params.
  const positions = [0, Math.floor(lineLength * 0.45), Math.floor(lineLength * 0.84), lineLength];
  const row = (fields: string[]): string => fields
    .map((field, i) => {
      if (i === fields.length - 1) return field;
      const width = positions[i + 1] - positions[i];
      // A field too long for its column is cut, keeping one space before the next column.
      return (field.length >= width ? field.slice(0, width - 1) : field).padEnd(width);
    })
    .join('')
    .trimEnd();
  const lines: string[] = [];
  lines.push(`Model: "${model.name}"`);
  lines.push('_'.repeat(lineLength));
  lines.push(row([' Layer (type)', 'Output Shape', 'Param #']));
  lines.push('='.repeat(lineLength));
  let total = 0;
  let trainable = 0;
  model.layers.forEach((layer, i) => {
    const built = layer.built;
    const params = built ? layer.countParams() : 0;
    total += params;
    if (built && layer.trainable) for (const v of layer.trainableWeights) trainable += v.value.size;
    const shape = built ? formatLayerShape(layer.outputShape!) : '(not built)';
    lines.push(row([` ${layer.name} (${layer.className})`, shape, built ? String(params) : '?']));
    lines.push(i === model.layers.length - 1 ? '='.repeat(lineLength) : '');
  });
  if (model.layers.length === 0) lines.push('='.repeat(lineLength));
  lines.push(`Total params: ${formatCount(total)} (${formatBytes(total * 4)})`);
  lines.push(`Trainable params: ${formatCount(trainable)} (${formatBytes(trainable * 4)})`);
  lines.push(`Non-trainable params: ${formatCount(total - trainable)} (${formatBytes((total - trainable) * 4)})`);
  lines.push('_'.repeat(lineLength));
  return lines;
}

/** Prints the summary of `model` (see {@link SummaryOptions}) and returns its text. */
export function printSummary(model: SummarySource, options: SummaryOptions = {}): string {
  const where = 'summary';
  const o = checkOptions<SummaryOptions>(where, options, ['lineLength', 'printFn']);
  const lineLength = o.lineLength === undefined ? 65 : checkInteger(where, 'lineLength', o.lineLength, 40, 400);
  const printFn = o.printFn === undefined ? (line: string) => console.log(line) : (checkFunction(where, 'printFn', o.printFn) as (line: string) => void);
  const lines = summaryLines(model, lineLength);
  for (const line of lines) printFn(line);
  return lines.join('\n');
}
