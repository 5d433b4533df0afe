/**
 * The base of the recurrent layers (SimpleRNN, LSTM, GRU): Keras' options, defaults and weight
 * layouts (`kernel` [inputs, G·units], `recurrent_kernel` [units, G·units], `bias`), initial states,
 * masks, dropout, the returned sequences and states, and serialization. Each subclass names its cell
 * and adds its own options; the computation is `runRecurrent` (lib/ops/recurrent.ts).
 *
 * Inputs are `[batch, steps, features]`. Initial states come with `apply(x, { initialState: [h, c] })`
 * (as a list input `[x, h, c]` inside a graph, so a decoder can start from an encoder's returned
 * states). A mask (from `embedding({ maskZero })` or `masking()`) makes padded steps leave the state
 * unchanged; their outputs are the state carried over (Keras), or 0 with `zeroOutputForMask`.
 */
import { ShapeError, ValueError } from '../../errors.js';
import { allocateStorage, makeTensor, Tensor, type TensorLike } from '../../tensor.js';
import { contiguous } from '../../ops/shape.js';
import { CELL_GATES, runRecurrent, type CellKind } from '../../ops/recurrent.js';
import { Generator, random } from '../../random.js';
import {
  checkBoolean, checkInteger, checkOptions, checkRange, formatShape, MAX_TENSOR_SIZE, typeError,
} from '../../validate.js';
import { getActivation, serializeActivation, type Activation, type ActivationIdentifier } from '../../activations.js';
import { getInitializer, serializeInitializer, type Initializer, type InitializerConfig } from '../../initializers.js';
import { getRegularizer, serializeRegularizer, type Regularizer, type RegularizerConfig } from '../../regularizers.js';
import {
  formatLayerShape, isShapeList, Layer, LAYER_OPTION_NAMES, type ApplyOptions, type CallContext, type LayerOptions, type LayerVariable,
  type MaskInput, type MaskOutput, type Shape, type ShapeLike, type SymbolicOutput,
} from '../layer.js';
import type { SymbolicTensor } from '../symbolic.js';

/** Options every recurrent layer accepts (Keras' names and defaults). */
export interface RecurrentLayerOptions extends LayerOptions {
  /** The size of the hidden state (and of each output step). Required. */
  units: number;
  /** The candidate's activation (and an LSTM's output of its cell state). Default 'tanh'. */
  activation?: ActivationIdentifier;
  /** Whether the layer has a bias. Default true. */
  useBias?: boolean;
  /** Initializer of `kernel` [inputs, G·units]. Default 'glorotUniform'. */
  kernelInitializer?: string | Initializer | InitializerConfig;
  /** Initializer of `recurrentKernel` [units, G·units]. Default 'orthogonal'. */
  recurrentInitializer?: string | Initializer | InitializerConfig;
  /** Initializer of `bias`. Default 'zeros'. */
  biasInitializer?: string | Initializer | InitializerConfig;
  kernelRegularizer?: string | Regularizer | RegularizerConfig;
  recurrentRegularizer?: string | Regularizer | RegularizerConfig;
  biasRegularizer?: string | Regularizer | RegularizerConfig;
  /** Penalty on the output added to the loss (divided by the batch size, as in Keras). */
  activityRegularizer?: string | Regularizer | RegularizerConfig;
  /**
   * Fraction of the input features dropped in training, in [0, 1): one mask per sequence, the same at
   * every step and for every gate. Default 0.
   */
  dropout?: number;
  /** Fraction of the hidden state dropped from the recurrent products in training (one mask per sequence). Default 0. */
  recurrentDropout?: number;
  /** Seed of the dropout masks. */
  seed?: number;
  /** Return the output of every step ([batch, steps, units]) rather than the last ([batch, units]). Default false. */
  returnSequences?: boolean;
  /** Also return the final states: `[output, h]` (`[output, h, c]` for an LSTM). Default false. */
  returnState?: boolean;
  /** Process the steps last to first; sequences come out in that order (Keras). Default false. */
  goBackwards?: boolean;
  /** Masked steps output 0 instead of the state carried over (what Bidirectional sets with returnSequences). Default false. */
  zeroOutputForMask?: boolean;
  /** The input's last dimension, for a first layer (TensorFlow.js' option). */
  inputDim?: number;
  /** The number of steps, for a first layer (TensorFlow.js' option). */
  inputLength?: number;
}

export const RECURRENT_OPTION_NAMES = [
  ...LAYER_OPTION_NAMES, 'units', 'activation', 'useBias', 'kernelInitializer', 'recurrentInitializer', 'biasInitializer',
  'kernelRegularizer', 'recurrentRegularizer', 'biasRegularizer', 'activityRegularizer', 'dropout', 'recurrentDropout', 'seed',
  'returnSequences', 'returnState', 'goBackwards', 'zeroOutputForMask', 'inputDim', 'inputLength',
];

/** Options of a recurrent layer's `apply`. */
export interface RecurrentApplyOptions extends ApplyOptions {
  /**
   * The initial states: `[h]` (`[h, c]` for an LSTM), each `[batch, units]`; symbolic tensors in a graph
   * (an encoder's returned states). Default zeros.
   */
  initialState?: readonly (TensorLike | SymbolicTensor)[];
}

const TWO_POW_32 = 4294967296;

/** A scaled keep mask of `size` entries: 1 / (1 - rate) or 0, from 32 random bits each. */
function dropoutMask(generator: Generator, size: number, rate: number): Float32Array {
  const mask = allocateStorage('float32', size) as Float32Array;
  const threshold = rate * TWO_POW_32;
  const scale = 1 / (1 - rate);
  for (let i = 0; i < size; i++) mask[i] = generator.nextUint32() >= threshold ? scale : 0;
  return mask;
}

/** The base of SimpleRNN, LSTM and GRU. `Out` is a tensor, or an array with `returnState`. */
export abstract class RNN<Out extends Tensor | Tensor[] = Tensor> extends Layer<Out> {
  /** The cell this layer runs. */
  abstract readonly cell: CellKind;
  readonly units: number;
  readonly activation: Activation;
  /** The gates' activation (LSTM, GRU; a simple RNN has none). */
  readonly recurrentActivation: Activation;
  readonly useBias: boolean;
  readonly kernelInitializer: Initializer;
  readonly recurrentInitializer: Initializer;
  readonly biasInitializer: Initializer;
  readonly kernelRegularizer: Regularizer | null;
  readonly recurrentRegularizer: Regularizer | null;
  readonly biasRegularizer: Regularizer | null;
  readonly activityRegularizer: Regularizer | null;
  readonly dropout: number;
  readonly recurrentDropout: number;
  readonly seed: number | null;
  readonly returnSequences: boolean;
  readonly returnState: boolean;
  readonly goBackwards: boolean;
  readonly zeroOutputForMask: boolean;
  /** `kernel` [inputs, G·units] (after build). */
  kernel: LayerVariable | null = null;
  /** `recurrent_kernel` [units, G·units] (after build). */
  recurrentKernel: LayerVariable | null = null;
  /** `bias` (after build, when useBias). */
  bias: LayerVariable | null = null;
  private readonly generator: Generator;

  protected constructor(where: string, options: RecurrentLayerOptions, className: string, cell: CellKind, optionNames: readonly string[]) {
    const o = checkOptions<RecurrentLayerOptions>(where, options, optionNames);
    if (o.units === undefined) throw new ValueError(`${where}: units is required (the size of the hidden state), e.g. ${where}({ units: 32 })`);
    const base: LayerOptions = { name: o.name, trainable: o.trainable, inputShape: o.inputShape, batchInputShape: o.batchInputShape };
    if (o.inputDim !== undefined || o.inputLength !== undefined) {
      if (o.inputShape !== undefined || o.batchInputShape !== undefined) throw new ValueError(`${where}: give inputDim/inputLength or inputShape/batchInputShape, not both`);
      if (o.inputDim === undefined) throw new ValueError(`${where}: inputLength needs inputDim (the features of each step)`);
      base.inputShape = [
        o.inputLength === undefined ? null : checkInteger(where, 'inputLength', o.inputLength, 1, MAX_TENSOR_SIZE),
        checkInteger(where, 'inputDim', o.inputDim, 1, MAX_TENSOR_SIZE),
      ];
    }
    super(where, base, className);
    this.units = checkInteger(where, 'units', o.units, 1, Math.floor(MAX_TENSOR_SIZE / CELL_GATES[cell]));
    this.activation = getActivation(o.activation ?? 'tanh', where);
    const recurrent = (o as { recurrentActivation?: ActivationIdentifier }).recurrentActivation;
    this.recurrentActivation = getActivation(recurrent ?? 'sigmoid', where);
    this.useBias = o.useBias === undefined ? true : checkBoolean(where, 'useBias', o.useBias);
    this.kernelInitializer = getInitializer(o.kernelInitializer ?? 'glorotUniform');
    this.recurrentInitializer = getInitializer(o.recurrentInitializer ?? 'orthogonal');
    this.biasInitializer = getInitializer(o.biasInitializer ?? 'zeros');
    const regularizer = (value: string | Regularizer | RegularizerConfig | undefined): Regularizer | null => (value === undefined ? null : getRegularizer(value));
    this.kernelRegularizer = regularizer(o.kernelRegularizer);
    this.recurrentRegularizer = regularizer(o.recurrentRegularizer);
    this.biasRegularizer = regularizer(o.biasRegularizer);
    this.activityRegularizer = regularizer(o.activityRegularizer);
    this.dropout = o.dropout === undefined ? 0 : checkRange(where, 'dropout', o.dropout, 0, 1, { maxExclusive: true });
    this.recurrentDropout = o.recurrentDropout === undefined ? 0 : checkRange(where, 'recurrentDropout', o.recurrentDropout, 0, 1, { maxExclusive: true });
    this.seed = o.seed === undefined || o.seed === null ? null : checkInteger(where, 'seed', o.seed, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
    this.generator = this.seed === null ? random.fork() : new Generator(this.seed);
    this.returnSequences = o.returnSequences === undefined ? false : checkBoolean(where, 'returnSequences', o.returnSequences);
    this.returnState = o.returnState === undefined ? false : checkBoolean(where, 'returnState', o.returnState);
    this.goBackwards = o.goBackwards === undefined ? false : checkBoolean(where, 'goBackwards', o.goBackwards);
    this.zeroOutputForMask = o.zeroOutputForMask === undefined ? false : checkBoolean(where, 'zeroOutputForMask', o.zeroOutputForMask);
  }

  /** The number of states: 2 for an LSTM (h, c), else 1. */
  get stateCount(): number {
    return this.cell === 'lstm' ? 2 : 1;
  }

  /** The shape of the bias: [G·units]; a GRU with resetAfter overrides it ([2, 3·units]). */
  protected biasShape(): number[] {
    return [CELL_GATES[this.cell] * this.units];
  }

  /** The initializer of the bias (an LSTM with unitForgetBias overrides it). */
  protected biasInitializerForBuild(): Initializer {
    return this.biasInitializer;
  }

  /** The GRU's resetAfter (true for the others, where it does not apply). */
  protected get resetAfter(): boolean {
    return true;
  }

  /** The sequence's shape from the layer's input shape (a list `[x, ...states]` when initial states are given). */
  private sequenceShape(inputShape: ShapeLike | readonly ShapeLike[]): ShapeLike {
    return isShapeList(inputShape) ? inputShape[0] : inputShape;
  }

  override computeOutputShape(inputShape: ShapeLike | readonly ShapeLike[]): Shape | Shape[] {
    const sequence = this.sequenceShape(inputShape);
    if (sequence.length !== 3) {
      throw new ShapeError(`${this.name}: expected input of rank 3 ([batch, steps, features]), got shape ${formatLayerShape(sequence)}`);
    }
    const features = sequence[2];
    if (features === null) throw new ShapeError(`${this.name}: the input's last dimension must be known, got shape ${formatLayerShape(sequence)}`);
    const built = this.kernel === null ? null : this.kernel.value.shape[0];
    if (built !== null && features !== built) {
      throw new ShapeError(`${this.name}: expected input with last dimension ${built}, got shape ${formatLayerShape(sequence)}`);
    }
    if (isShapeList(inputShape)) {
      const states = inputShape.slice(1);
      if (states.length !== this.stateCount) {
        throw new ShapeError(`${this.name}: expected ${this.stateCount} initial state${this.stateCount === 1 ? '' : 's'} (${this.stateCount === 2 ? '[h, c]' : '[h]'}), got ${states.length}`);
      }
      states.forEach((shape, i) => {
        if (shape.length !== 2 || (shape[1] !== null && shape[1] !== this.units)) {
          throw new ShapeError(`${this.name}: initial state ${i} must have shape [batch, ${this.units}], got shape ${formatLayerShape(shape)}`);
        }
      });
    }
    const batch = sequence[0];
    const output: Shape = this.returnSequences ? [batch, sequence[1], this.units] : [batch, this.units];
    if (!this.returnState) return output;
    return [output, ...Array.from({ length: this.stateCount }, (): Shape => [batch, this.units])];
  }

  /**
   * Built for sequences of any length with the input's features (the weights do not depend on the
   * steps); the initial states (when given) add no weights.
   */
  override build(inputShape: ShapeLike | readonly ShapeLike[]): void {
    this.computeOutputShape(inputShape);
    const sequence = this.sequenceShape(inputShape);
    super.build([sequence[0], null, ...sequence.slice(2)]);
  }

  /** Any number of steps fits; the features must be those the layer was built for (and states [batch, units]). */
  override checkInputShape(shape: ShapeLike | readonly ShapeLike[]): void {
    this.computeOutputShape(shape);
  }

  protected override buildWeights(inputShape: Shape): void {
    const inputs = inputShape[2] as number;
    const width = CELL_GATES[this.cell] * this.units;
    this.kernel = this.addWeight('kernel', [inputs, width], this.kernelInitializer, { regularizer: this.kernelRegularizer ?? undefined });
    this.recurrentKernel = this.addWeight('recurrent_kernel', [this.units, width], this.recurrentInitializer, { regularizer: this.recurrentRegularizer ?? undefined });
    if (this.useBias) this.bias = this.addWeight('bias', this.biasShape(), this.biasInitializerForBuild(), { regularizer: this.biasRegularizer ?? undefined });
  }

  /** The `[batch, steps]` mask as 0/1 floats, checked against the input. */
  private maskValues(mask: Tensor | null, x: Tensor): Float32Array | null {
    if (mask === null) return null;
    const [batch, steps] = x.shape;
    if (mask.rank !== 2 || mask.shape[0] !== batch || mask.shape[1] !== steps) {
      throw new ShapeError(`${this.name}: the mask must have shape [${batch}, ${steps}] (one entry per step of the input ${formatShape(x.shape)}), got shape ${formatShape(mask.shape)}`);
    }
    const source = contiguous(mask.detach()).storage;
    const values = allocateStorage('float32', source.length) as Float32Array;
    for (let i = 0; i < values.length; i++) values[i] = source[i] !== 0 ? 1 : 0;
    return values;
  }

  override call(inputs: Tensor | Tensor[], context: CallContext): Out {
    const list = Array.isArray(inputs);
    const x = list ? inputs[0] : inputs;
    const states = list ? inputs.slice(1) : null;
    if (x.shape[1] === 0) throw new ShapeError(`${this.name}: the input has no steps (shape ${formatShape(x.shape)})`);
    const [batch, , features] = x.shape;
    if (states !== null) {
      states.forEach((s, i) => {
        if (s.rank !== 2 || s.shape[0] !== batch || s.shape[1] !== this.units) {
          throw new ShapeError(`${this.name}: initial state ${i} must have shape [${batch}, ${this.units}], got shape ${formatShape(s.shape)}`);
        }
      });
    }
    const contextMask = context.mask ?? null;
    const mask = Array.isArray(contextMask) ? contextMask[0] ?? null : (contextMask as Tensor | null);
    const dropping = context.training;
    const outputs = runRecurrent({
      cell: this.cell, x, kernel: this.kernel!.value, recurrentKernel: this.recurrentKernel!.value, bias: this.bias === null ? null : this.bias.value,
      initialState: states, activation: this.activation, recurrentActivation: this.recurrentActivation, resetAfter: this.resetAfter,
      goBackwards: this.goBackwards, zeroMaskedOutputs: this.zeroOutputForMask, returnSequences: this.returnSequences, returnState: this.returnState,
      mask: this.maskValues(mask, x),
      inputDropout: dropping && this.dropout > 0 ? dropoutMask(this.generator, batch * features, this.dropout) : null,
      recurrentDropout: dropping && this.recurrentDropout > 0 ? dropoutMask(this.generator, batch * this.units, this.recurrentDropout) : null,
      workspace: context.workspace,
    });
    if (this.activityRegularizer !== null && context.losses !== null) {
      context.losses.push(this.activityRegularizer.apply(outputs[0]).div(Math.max(batch, 1)));
    }
    return (this.returnState ? outputs : outputs[0]) as Out;
  }

  /** The sequence output keeps the input's mask; the last output and the states carry none. */
  override get supportsMasking(): boolean {
    return true;
  }

  override computeMask(_inputs: Tensor | Tensor[], mask: MaskInput): MaskOutput {
    const first = Array.isArray(mask) ? mask[0] ?? null : (mask as Tensor | null);
    const output = this.returnSequences ? first : null;
    if (!this.returnState) return output;
    return [output, ...Array.from({ length: this.stateCount }, () => null)];
  }

  /**
   * Applies the layer (see {@link Layer.apply}); `initialState` gives the initial states (`[h]`, or
   * `[h, c]` for an LSTM), as tensors or, in a graph, symbolic tensors.
   * ```ts
   * const [encoded, h, c] = dn.layers.lstm({ units: 64, returnState: true }).apply(source);
   * const decoded = dn.layers.lstm({ units: 64, returnSequences: true }).apply(target, { initialState: [h, c] });
   * ```
   */
  override apply(inputs: SymbolicTensor | readonly SymbolicTensor[], options?: RecurrentApplyOptions): SymbolicOutput<Out>;
  override apply(inputs: TensorLike | readonly Tensor[], options?: RecurrentApplyOptions): Out;
  override apply(inputs: unknown, options: RecurrentApplyOptions = {}): unknown {
    const where = `${this.name}.apply`;
    const o = checkOptions<RecurrentApplyOptions>(where, options, ['training', 'mask', 'initialState']);
    const rest: ApplyOptions = {};
    if (o.training !== undefined) rest.training = o.training;
    if (o.initialState === undefined) {
      if (o.mask !== undefined) rest.mask = o.mask;
      return super.apply(inputs as never, rest);
    }
    const states = o.initialState;
    if (!Array.isArray(states)) typeError(where, 'initialState', `an array of ${this.stateCount} states`, states);
    if (states.length !== this.stateCount) {
      throw new ValueError(`${where}: initialState must hold ${this.stateCount} state${this.stateCount === 1 ? '' : 's'} (${this.stateCount === 2 ? '[h, c]' : '[h]'}), got ${states.length}`);
    }
    if (Array.isArray(inputs)) throw new ValueError(`${where}: give the sequence alone with initialState, not a list of inputs`);
    if (o.mask !== undefined) rest.mask = [o.mask as TensorLike | null, ...states.map(() => null)];
    return super.apply([inputs, ...states] as never, rest);
  }

  override getConfig(): Record<string, unknown> {
    const config: Record<string, unknown> = {
      ...super.getConfig(),
      units: this.units,
      activation: serializeActivation(this.activation),
      useBias: this.useBias,
      kernelInitializer: serializeInitializer(this.kernelInitializer),
      recurrentInitializer: serializeInitializer(this.recurrentInitializer),
      biasInitializer: serializeInitializer(this.biasInitializer),
      kernelRegularizer: this.kernelRegularizer === null ? null : serializeRegularizer(this.kernelRegularizer),
      recurrentRegularizer: this.recurrentRegularizer === null ? null : serializeRegularizer(this.recurrentRegularizer),
      biasRegularizer: this.biasRegularizer === null ? null : serializeRegularizer(this.biasRegularizer),
      activityRegularizer: this.activityRegularizer === null ? null : serializeRegularizer(this.activityRegularizer),
      dropout: this.dropout,
      recurrentDropout: this.recurrentDropout,
      seed: this.seed,
      returnSequences: this.returnSequences,
      returnState: this.returnState,
      goBackwards: this.goBackwards,
      zeroOutputForMask: this.zeroOutputForMask,
    };
    if (this.cell !== 'simpleRnn') config.recurrentActivation = serializeActivation(this.recurrentActivation);
    return config;
  }

  /** @internal The dropout masks' generator state: saved with the optimizer so resumed training draws the same masks. */
  getRandomState(): number[] {
    return this.generator.getState();
  }

  /** @internal Restores {@link RNN.getRandomState}'s output. */
  setRandomState(state: readonly number[]): void {
    this.generator.setState(state);
  }
}

/**
 * The options of a saved recurrent layer's config (nulls removed); a custom activation function cannot
 * be rebuilt (its config holds null): a ValueError names the layer.
 */
export function recurrentOptionsFromConfig<T>(className: string, config: Record<string, unknown>): T {
  const options: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) if (value !== null) options[key] = value;
  for (const key of ['activation', 'recurrentActivation']) {
    if (key in config && config[key] === null) {
      throw new ValueError(`${className}.fromConfig: layer '${String(config.name)}' used a custom ${key} function, which cannot be rebuilt from a config`);
    }
  }
  return options as T;
}

/** An initializer of a given value (the LSTM's unit forget bias), serialized as its parts. */
export function concatInitializer(parts: readonly { size: number; initializer: Initializer }[], className: string): Initializer {
  return {
    className,
    apply(shape: readonly number[]): Tensor {
      const size = shape.reduce((a, b) => a * b, 1);
      const values = allocateStorage('float32', size) as Float32Array;
      let offset = 0;
      for (const part of parts) {
        values.set(contiguous(part.initializer.apply([part.size])).storage as Float32Array, offset);
        offset += part.size;
      }
      return makeTensor(values, shape);
    },
    getConfig: () => ({}),
  } as Initializer;
}
