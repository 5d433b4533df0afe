/**
 * Quantisation-aware training (`dn.quantization.quantizeAware`): a model whose Dense layers compute with the values
 * their int8 form will have, so that fine-tuning adapts the weights to int8 before `dn.quantize` converts them.
 * As TensorFlow Model Optimization's `quantize_model`: weights fake-quantised symmetric per output channel, each
 * layer's input per tensor (u8, asymmetric) over a moving min/max range tracked while training, gradients through
 * the straight-through estimator (lib/compression/quantization/fake-quantize.ts).
 */
import { ValueError } from '../../errors.js';
import { Dense, type DenseOptions } from '../../layers/dense.js';
import type { CallContext, LayerVariable, Shape } from '../../layers/layer.js';
import { registerLayer } from '../../layers/registry.js';
import { Model, type AnyModel } from '../../model/training.js';
import type { Tensor } from '../../tensor.js';
import { checkBoolean, checkNumber, checkOptions, typeError } from '../../validate.js';
import { fakeQuantizeInput, fakeQuantizeKernel } from './fake-quantize.js';
import { rangeParameters } from './quantize.js';
import { MAX_INT8_DEPTH } from './quantized-dense.js';

/** Options of {@link QuantizeAwareDense} beyond Dense's. */
export interface QuantizeAwareDenseOptions extends DenseOptions {
  /** One weight scale per output channel (default true), or one for the kernel: as dn.quantize's perChannel. */
  perChannel?: boolean;
  /** Of the moving input range: range = range * decay + batch range * (1 - decay); the first batch sets it. Default 0.99. */
  rangeDecay?: number;
}

/**
 * A Dense layer trained with fake quantisation: its input and kernel are rounded to their int8 values in the
 * forward pass (in training and in inference, so `predict` shows what the int8 model will compute) and the
 * gradients pass straight through. Its input range (non-trainable weights `input_min`, `input_max`) follows the
 * inputs seen while training; `dn.quantize(model, { mode: 'static' })` takes it as the layer's static range.
 */
export class QuantizeAwareDense extends Dense {
  override readonly className = 'QuantizeAwareDense' as 'Dense';
  readonly perChannel: boolean;
  readonly rangeDecay: number;
  /** The moving input range (both 0 until the first training batch). */
  inputMin: LayerVariable | null = null;
  inputMax: LayerVariable | null = null;

  constructor(options: QuantizeAwareDenseOptions) {
    const where = 'QuantizeAwareDense';
    const { perChannel, rangeDecay, ...dense } = options ?? {};
    super(dense);
    this.perChannel = perChannel === undefined ? true : checkBoolean(where, 'perChannel', perChannel);
    this.rangeDecay = rangeDecay === undefined ? 0.99 : checkNumber(where, 'rangeDecay', rangeDecay);
    if (!(this.rangeDecay >= 0 && this.rangeDecay < 1)) throw new ValueError(`${where}: rangeDecay must be in [0, 1), got ${this.rangeDecay}`);
  }

  protected override buildWeights(inputShape: Shape): void {
    super.buildWeights(inputShape);
    const inputDim = inputShape[inputShape.length - 1] as number;
    if (inputDim > MAX_INT8_DEPTH) throw new ValueError(`${this.name}: ${inputDim} inputs, more than the int8 kernel's ${MAX_INT8_DEPTH}`);
    this.inputMin = this.addWeight('input_min', [], 'zeros', { trainable: false });
    this.inputMax = this.addWeight('input_max', [], 'zeros', { trainable: false });
  }

  /** The input range the quantised layer will use: the moving range (null before any training batch). */
  get inputRange(): [number, number] | null {
    const lo = (this.inputMin!.value.storage as Float32Array)[0]!, hi = (this.inputMax!.value.storage as Float32Array)[0]!;
    return lo === 0 && hi === 0 ? null : [lo, hi];
  }

  override call(x: Tensor, context: CallContext): Tensor {
    const data = x.detach().dataSync() as Float32Array;
    let range = this.inputRange;
    if (context.training && context.trainable !== false) range = this.track(data);
    // Before any training the batch's own range (as dynamic quantisation).
    const [lo, hi] = range ?? batchRange(data);
    const { scale, zeroPoint } = rangeParameters(lo, hi);
    const input = fakeQuantizeInput(x, scale, zeroPoint);
    const kernel = fakeQuantizeKernel(this.kernel!.value, this.perChannel);
    return this.forward(input, kernel, this.bias === null ? null : this.bias.value, context);
  }

  /** Moves the stored range toward this batch's (finite values; the first batch sets it). */
  private track(data: Float32Array): [number, number] {
    const [lo, hi] = batchRange(data);
    const min = this.inputMin!.value.storage as Float32Array, max = this.inputMax!.value.storage as Float32Array;
    if (this.inputRange === null) {
      min[0] = lo;
      max[0] = hi;
    } else {
      min[0] = min[0]! * this.rangeDecay + lo * (1 - this.rangeDecay);
      max[0] = max[0]! * this.rangeDecay + hi * (1 - this.rangeDecay);
    }
    return [min[0]!, max[0]!];
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), perChannel: this.perChannel, rangeDecay: this.rangeDecay };
  }

  /** Rebuilds the layer from {@link QuantizeAwareDense.getConfig}'s output. */
  static override fromConfig(config: Record<string, unknown>): QuantizeAwareDense {
    const options: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(config)) if (value !== null) options[key] = value;
    return new QuantizeAwareDense(options as unknown as QuantizeAwareDenseOptions);
  }
}

/** The range of the finite values, widened to hold 0. */
function batchRange(data: Float32Array): [number, number] {
  let lo = 0, hi = 0;
  for (const v of data) {
    if (v < lo) lo = v;
    else if (v > hi) hi = v;
  }
  return [lo, hi];
}

/** Options of {@link quantizeAware}. */
export interface QuantizeAwareOptions {
  /** Names of Dense layers to leave as they are (those you will pass to dn.quantize's exclude). */
  exclude?: string[];
  /** One weight scale per output channel (default true), as dn.quantize's perChannel. */
  perChannel?: boolean;
  /** Of the moving input ranges, in [0, 1). Default 0.99. */
  rangeDecay?: number;
}

/**
 * Makes a model for quantisation-aware training: returns a NEW model (the original is unchanged) with the same
 * weights, whose Dense layers are {@link QuantizeAwareDense} layers. Compile and fine-tune it with `fit` (a few
 * epochs at a small learning rate), then convert it with `dn.quantize(qat, { mode: 'static' })`: each layer's input
 * range is the one tracked while training (no calibration data needed) and its int8 weights are those the training
 * saw, so the int8 model computes what the fine-tuned model computed, up to float rounding.
 *
 * ```ts
 * const qat = dn.quantization.quantizeAware(model);
 * qat.compile({ optimizer: dn.optimizers.adam(1e-4), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
 * await qat.fit(xTrain, yTrain, { epochs: 2 });
 * const int8 = dn.quantize(qat, { mode: 'static' });
 * ```
 * Errors (ValueError): an unbuilt model, a name in `exclude` that is not a Dense layer, no Dense layer left.
 */
export function quantizeAware<M extends AnyModel>(model: M, options: QuantizeAwareOptions = {}): M {
  const where = 'quantizeAware';
  if (!(model instanceof Model)) typeError(where, 'model', 'a model (dn.sequential or dn.model)', model);
  const o = checkOptions<QuantizeAwareOptions>(where, options, ['exclude', 'perChannel', 'rangeDecay']);
  if (!model.built) {
    throw new ValueError(`${where}: the model ${model.name} is not built yet (its weights do not exist): give its first layer an inputShape, or train it first`);
  }
  if (o.exclude !== undefined && (!Array.isArray(o.exclude) || o.exclude.some((name) => typeof name !== 'string'))) {
    typeError(where, 'exclude', 'an array of layer names', o.exclude);
  }
  const exclude = o.exclude ?? [];
  for (const name of exclude) {
    const layer = model.layers.find((l) => l.name === name);
    if (layer === undefined || !(layer instanceof Dense)) {
      throw new ValueError(`${where}: exclude names '${name}', which is not a Dense layer of the model; its Dense layers: ${model.layers.filter((l) => l instanceof Dense).map((l) => l.name).join(', ')}`);
    }
  }
  const targets = new Set(model.layers.filter((l) => l instanceof Dense && !(l instanceof QuantizeAwareDense) && !exclude.includes(l.name)).map((l) => l.name));
  if (targets.size === 0) throw new ValueError(`${where}: the model has no Dense layer to make quantisation-aware (its layers: ${model.layers.map((l) => `${l.name} (${l.className})`).join(', ')})`);
  const extra = {
    ...(o.perChannel === undefined ? {} : { perChannel: checkBoolean(where, 'perChannel', o.perChannel) }),
    ...(o.rangeDecay === undefined ? {} : { rangeDecay: checkNumber(where, 'rangeDecay', o.rangeDecay) }),
  };
  const config = model.getConfig() as { layers: Array<{ className: string; config: Record<string, unknown> }> };
  const layers = config.layers.map((entry) => targets.has(entry.config.name as string)
    ? { ...entry, className: 'QuantizeAwareDense', config: { ...entry.config, ...extra } }
    : entry);
  const rebuilt = (model.constructor as unknown as { fromConfig(c: Record<string, unknown>): M }).fromConfig({ ...config, layers });
  const originals = new Map(model.layers.map((layer) => [layer.name, layer] as const));
  for (const layer of rebuilt.layers) {
    const original = originals.get(layer.name)!;
    if (original.weights.length === 0) continue;
    if (layer instanceof QuantizeAwareDense) {
      const own = original.getWeights();
      layer.setWeights([...own, ...layer.getWeights().slice(own.length)]);
    } else {
      layer.setWeights(original.getWeights());
    }
  }
  return rebuilt;
}

registerLayer('QuantizeAwareDense', QuantizeAwareDense);
