/**
 * The input of a functional model: `dn.input({ shape: [784] })` makes an {@link InputLayer} and
 * returns its symbolic output, which layers are then applied to. The layer passes its data through;
 * the model checks the data it is given against the shape and dtype declared here.
 */
import { ValueError } from '../errors.js';
import { DTYPES, type DType, type Tensor } from '../tensor.js';
import { arrayItems, checkChoice, checkEach, checkInteger, checkOptions, MAX_RANK, typeError } from '../validate.js';
import { formatLayerShape, Layer, type Shape, type ShapeLike } from './layer.js';
import { registerLayer } from './registry.js';
import { Node, type SymbolicTensor } from './symbolic.js';

/** Options of {@link input}. */
export interface InputOptions {
  /** The shape of one sample, without the batch dimension: `[784]`; `null` for a dimension of any size. Required. */
  shape: readonly (number | null)[];
  /** The input's name (the key of its data in `{ name: tensor }` inputs). Default `input_<n>`. */
  name?: string;
  /** 'float32' (default) or 'int32'. */
  dtype?: DType;
}

/** Options of {@link inputLayer}. */
export interface InputLayerOptions {
  /** The shape of one sample, without the batch dimension (`null` for any size). Give this or batchInputShape. */
  inputShape?: readonly (number | null)[];
  /** The shape with the batch dimension first, which must be `null`: `[null, 784]`. */
  batchInputShape?: readonly (number | null)[];
  /** The layer's name. Default `input_<n>`. */
  name?: string;
  /** 'float32' (default) or 'int32'. */
  dtype?: DType;
  /** Accepted for configs; an input layer has no weights. */
  trainable?: boolean;
}

function checkDims(where: string, name: string, value: unknown, offset: number): (number | null)[] {
  if (!Array.isArray(value)) typeError(where, name, 'an array of positive integers (or null for any size)', value);
  return checkEach(arrayItems(where, name, value, MAX_RANK, 'dimensions'), (d, i) => (d === null ? null : checkInteger(where, `${name}[${i + offset}]`, d, 1, 2 ** 31 - 1)));
}

/** The layer behind a model input: it declares the shape and dtype of the data and passes it through. */
export class InputLayer extends Layer {
  readonly className = 'InputLayer';
  /** The dtype of the data. */
  readonly dtype: DType;
  /** The declared shape, batch dimension `null`. */
  private readonly declared: Shape;

  constructor(options: InputLayerOptions) {
    const where = 'inputLayer';
    const o = checkOptions<InputLayerOptions>(where, options, ['inputShape', 'batchInputShape', 'name', 'dtype', 'trainable']);
    if ((o.inputShape === undefined) === (o.batchInputShape === undefined)) {
      throw new ValueError(`${where}: give inputShape (the shape of one sample, e.g. [784]) or batchInputShape ([null, 784]), exactly one`);
    }
    let shape: Shape;
    if (o.inputShape !== undefined) {
      shape = [null, ...checkDims(where, 'inputShape', o.inputShape, 0)];
    } else {
      const batch = o.batchInputShape!;
      if (!Array.isArray(batch) || batch.length < 1) typeError(where, 'batchInputShape', 'an array [null, ...sampleShape]', batch);
      if (batch[0] !== null) throw new ValueError(`${where}: batchInputShape[0] must be null (any batch size), got ${String(batch[0])}`);
      shape = [null, ...checkDims(where, 'batchInputShape', batch.slice(1), 1)];
    }
    super(where, { name: o.name, trainable: o.trainable }, 'Input');
    this.dtype = o.dtype === undefined ? 'float32' : checkChoice(where, 'dtype', o.dtype, DTYPES);
    this.declared = shape;
    this.build(shape);
    // The input's own call: its output is the symbolic tensor layers are applied to.
    new Node(this, [], false, shape, this.dtype);
  }

  /** The symbolic tensor this layer provides. */
  get output(): SymbolicTensor {
    return this.inboundNodes[0].outputs[0];
  }

  override computeOutputShape(inputShape: ShapeLike): Shape {
    return inputShape.slice();
  }

  override call(x: Tensor): Tensor {
    return x;
  }

  override getConfig(): Record<string, unknown> {
    return { name: this.name, batchInputShape: this.declared.slice(), dtype: this.dtype };
  }

  override toString(): string {
    return `InputLayer(${this.name} ${formatLayerShape(this.declared)} ${this.dtype})`;
  }
}

/**
 * An input layer (what `dn.input` makes); mostly for configs, as `dn.input` is the usual way.
 * ```ts
 * dn.layers.inputLayer({ inputShape: [784] });
 * ```
 */
export function inputLayer(options: InputLayerOptions): InputLayer {
  return new InputLayer(options);
}

/**
 * A symbolic input of a functional model: the placeholder layers are applied to before
 * `dn.model({ inputs, outputs })` turns the graph into a model (Keras `keras.Input`, TensorFlow.js `tf.input`).
 * ```ts
 * const x = dn.input({ shape: [784], name: 'pixels' });
 * const h = dn.layers.dense({ units: 64, activation: 'relu' }).apply(x);
 * const y = dn.layers.dense({ units: 10, activation: 'softmax' }).apply(h);
 * const model = dn.model({ inputs: x, outputs: y });
 * ```
 */
export function input(options: InputOptions): SymbolicTensor {
  const where = 'input';
  const o = checkOptions<InputOptions>(where, options, ['shape', 'name', 'dtype']);
  if (o.shape === undefined) throw new ValueError(`${where}: shape is required (the shape of one sample, without the batch dimension), e.g. input({ shape: [784] })`);
  return new InputLayer({ inputShape: checkDims(where, 'shape', o.shape, 0), ...(o.name === undefined ? {} : { name: o.name }), ...(o.dtype === undefined ? {} : { dtype: o.dtype }) }).output;
}

registerLayer('InputLayer', InputLayer);
