/**
 * `model.summary()`: a table of the layers, their output shapes and parameter counts, like Keras;
 * for a graph model also the "Connected to" column: the layer outputs each layer's calls read,
 * written `layer[call][output]`.
 */
import { checkFunction, checkInteger, checkOptions } from '../validate.js';
import { formatLayerShape, type AnyLayer, type LayerVariable } from '../layers/layer.js';

/** Options of `model.summary()`. */
export interface SummaryOptions {
  /** Total width of the table in characters (at least 40). Default 65 (98 for a graph model), as in Keras. */
  lineLength?: number;
  /** Where each line goes. Default console.log. */
  printFn?: (line: string) => void;
}

/** What the summary needs from a model. */
export interface SummarySource {
  readonly name: string;
  readonly layers: readonly AnyLayer[];
  readonly weights: readonly LayerVariable[];
  readonly trainableWeights: readonly LayerVariable[];
  /** A graph model's connections: per layer, its calls, each as `[layer, call, output]` of what it reads. */
  inboundConnections?(): Map<AnyLayer, [string, number, number][][]>;
}

/** A layer's output shape for the table: `(not built)`, or `multiple` when its calls give different shapes. */
function outputShapeText(layer: AnyLayer): string {
  if (!layer.built) return '(not built)';
  const shapes = layer.inboundNodes.length > 1 ? layer.inboundNodes.map((node) => formatLayerShape(node.outputs.map((t) => t.shape))) : [];
  if (shapes.length > 1 && shapes.some((shape) => shape !== shapes[0])) return 'multiple';
  return formatLayerShape(layer.outputShape!);
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
export function summaryLines(model: SummarySource, lineLength?: number): string[] {
  const connections = typeof model.inboundConnections === 'function' ? model.inboundConnections() : null;
  const width = lineLength ?? (connections === null ? 65 : 98);
  // Column starts as fractions of the width, as Keras places them: name, shape, params (, connections).
  const fractions = connections === null ? [0, 0.45, 0.84] : [0, 0.33, 0.55, 0.67];
  const positions = [...fractions.map((f) => Math.floor(width * f)), width];
  // A field too long for its column wraps onto the lines below (as Keras 2 prints it), keeping one
  // space before the next column; it breaks after a space or before '(' when it can.
  const wrap = (field: string, room: number): string[] => {
    const parts: string[] = [];
    let rest = field;
    while (rest.length > room) {
      const space = Math.max(rest.lastIndexOf(' ', room), rest.lastIndexOf('(', room));
      const cut = space > 1 ? space : room;
      parts.push(rest.slice(0, cut).trimEnd());
      rest = ` ${rest.slice(cut).trimStart()}`;
    }
    parts.push(rest);
    return parts;
  };
  const rows = (fields: string[]): string[] => {
    const columns = fields.map((field, i) => (i === fields.length - 1 ? [field] : wrap(field, positions[i + 1] - positions[i] - 1)));
    const count = Math.max(...columns.map((c) => c.length));
    return Array.from({ length: count }, (_, line) => columns
      .map((column, i) => (i === columns.length - 1 ? column[line] ?? '' : (column[line] ?? '').padEnd(positions[i + 1] - positions[i])))
      .join('')
      .trimEnd());
  };
  const row = (fields: string[]): string => rows(fields).join('\n');
  const lines: string[] = [];
  lines.push(`Model: "${model.name}"`);
  lines.push('_'.repeat(width));
  lines.push(row([' Layer (type)', 'Output Shape', 'Param #', ...(connections === null ? [] : ['Connected to'])]));
  lines.push('='.repeat(width));
  model.layers.forEach((layer, i) => {
    const built = layer.built;
    const params = built ? String(layer.countParams()) : '?';
    const first = [` ${layer.name} (${layer.className})`, outputShapeText(layer), params];
    if (connections === null) {
      lines.push(...rows(first));
    } else {
      const read = (connections.get(layer) ?? []).flat().map(([name, call, output]) => `${name}[${call}][${output}]`);
      lines.push(...rows([...first, read[0] ?? '']));
      for (const more of read.slice(1)) lines.push(...rows(['', '', '', more]));
    }
    lines.push(i === model.layers.length - 1 ? '='.repeat(width) : '');
  });
  if (model.layers.length === 0) lines.push('='.repeat(width));
  let total = 0;
  let trainable = 0;
  for (const v of model.weights) total += v.value.size;
  for (const v of model.trainableWeights) trainable += v.value.size;
  lines.push(`Total params: ${formatCount(total)} (${formatBytes(total * 4)})`);
  lines.push(`Trainable params: ${formatCount(trainable)} (${formatBytes(trainable * 4)})`);
  lines.push(`Non-trainable params: ${formatCount(total - trainable)} (${formatBytes((total - trainable) * 4)})`);
  lines.push('_'.repeat(width));
  return lines;
}

/** Prints the summary of `model` (see {@link SummaryOptions}) and returns its text. */
export function printSummary(model: SummarySource, options: SummaryOptions = {}): string {
  const where = 'summary';
  const o = checkOptions<SummaryOptions>(where, options, ['lineLength', 'printFn']);
  const lineLength = o.lineLength === undefined ? undefined : checkInteger(where, 'lineLength', o.lineLength, 40, 400);
  const printFn = o.printFn === undefined ? (line: string) => console.log(line) : (checkFunction(where, 'printFn', o.printFn) as (line: string) => void);
  const lines = summaryLines(model, lineLength);
  for (const line of lines) printFn(line);
  return lines.join('\n');
}
