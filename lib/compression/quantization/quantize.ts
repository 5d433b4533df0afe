/**
 * Post-training int8 quantisation (`dn.quantize`): a trained model's Dense layers become {@link QuantizedDense}
 * layers (int8 weights, int32 products on the native int8 kernels); every other layer stays float32 between them.
 * Weights: symmetric int8 per output channel (or per layer), scale = max |w| / 127. Activations: u8 per tensor,
 * asymmetric (a scale and a zero point over a range widened to hold 0), from calibration data ('static': the
 * min-max range, or a percentile range that ignores outliers) or from each batch ('dynamic').
 */
import { ArgumentTypeError, ValueError } from '../../errors.js';
import { Model, type AnyModel } from '../../model/training.js';
import { Dense } from '../../layers/dense.js';
import { Conv1D } from '../../layers/conv/conv1d.js';
import { Conv2D } from '../../layers/conv/conv2d.js';
import type { AnyLayer, CallContext } from '../../layers/layer.js';
import { Tensor } from '../../tensor.js';
import { checkBoolean, checkChoice, checkOptions, describe, typeError } from '../../validate.js';
import { MAX_INT8_DEPTH, QuantizedDense, type ActivationQuantization } from './quantized-dense.js';
import { Bf16Dense, toBfloat16 } from './bf16-dense.js';
import { QuantizeAwareDense } from './quantize-aware.js';
import { QuantizedConv } from './quantized-conv.js';

/** The layers quantize converts: Dense, and Conv2D / Conv1D with groups 1. */
type Target = Dense | Conv1D | Conv2D;

function isTarget(layer: AnyLayer): layer is Target {
  return layer instanceof Dense || ((layer.constructor === Conv2D || layer.constructor === Conv1D) && (layer as Conv2D).groups === 1);
}

/** A target's kernel as a [depth, outputs] matrix. */
function kernelMatrix(layer: Target): { data: Float32Array; depth: number; units: number } {
  const kernel = layer.kernel!.value;
  const units = kernel.shape[kernel.shape.length - 1]!;
  return { data: kernel.storage as Float32Array, depth: kernel.size / units, units };
}

/** The config options a QuantizedConv keeps of a convolution's (not its initializers, regularizers, constraints). */
const CONV_KEPT = ['name', 'batchInputShape', 'filters', 'kernelSize', 'strides', 'padding', 'dataFormat', 'dilationRate', 'groups', 'activation', 'useBias'];

/** Options of {@link quantize}. */
export interface QuantizeOptions {
  /**
   * 'int8' (default): int8 weights and u8 activations (the options below); 'bfloat16': bf16 weights and activations
   * with float32 accumulation ({@link Bf16Dense}), which takes only `exclude`.
   */
  dtype?: 'int8' | 'bfloat16';
  /** 'dynamic' (default): each call quantises a layer's input from that batch's range; 'static': from calibration. */
  mode?: ActivationQuantization;
  /** Static mode: inputs the model sees in use (a few hundred samples), as `predict` takes them. Required then. */
  calibrationData?: Tensor | Tensor[];
  /** Static mode: 'minMax' (default) takes the whole observed range; 'percentile' cuts outliers off. */
  calibrator?: 'minMax' | 'percentile';
  /** The percentile calibrator's upper percentile (the lower one is 100 minus it), in (50, 100]. Default 99.99. */
  percentile?: number;
  /** One weight scale per output channel (default true), or one per layer. */
  perChannel?: boolean;
  /** Names of Dense layers to keep in float32 (a sensitive first or last layer, say). */
  exclude?: string[];
  /** Batch size of the calibration pass (default 256). */
  batchSize?: number;
}

const OPTION_NAMES = ['dtype', 'mode', 'calibrationData', 'calibrator', 'percentile', 'perChannel', 'exclude', 'batchSize'];

/** Round half to even (as the native quantiser does). */
function roundEven(value: number): number {
  const r = Math.round(value);
  return Math.abs(value % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * The u8 scale and zero point of the range [lo, hi] widened to hold 0 (so 0 is exact): scale = (hi - lo) / 255,
 * zero point = round(-lo / scale); an all-zero range gets scale 1. In float32, as native Int8RangeParameters
 * (native/runtime/int8_dense.cc) computes the dynamic parameters.
 */
export function rangeParameters(lo: number, hi: number): { scale: number; zeroPoint: number } {
  const low = Math.fround(Math.min(lo, 0)), high = Math.fround(Math.max(hi, 0));
  const scale = Math.fround(Math.fround(high - low) / 255);
  if (!(scale > 0) || !Number.isFinite(scale)) return { scale: 1, zeroPoint: 0 };
  return { scale, zeroPoint: Math.min(255, Math.max(0, roundEven(Math.fround(-low / scale)))) };
}

/** Symmetric int8 weights: per output channel (column of [inputs, units]) or one scale for all. */
export function quantizeKernel(kernel: Float32Array, inputs: number, units: number, perChannel: boolean): { kernel: Int8Array; scales: Float32Array } {
  const maxAbs = new Float64Array(units);
  for (let p = 0; p < inputs; p++) {
    for (let j = 0; j < units; j++) maxAbs[j] = Math.max(maxAbs[j]!, Math.abs(kernel[p * units + j]!));
  }
  if (!perChannel) maxAbs.fill(maxAbs.reduce((a, b) => Math.max(a, b), 0));
  const scales = new Float32Array(units);
  for (let j = 0; j < units; j++) scales[j] = maxAbs[j]! > 0 && Number.isFinite(maxAbs[j]!) ? maxAbs[j]! / 127 : 1;
  const q = new Int8Array(inputs * units);
  for (let i = 0; i < q.length; i++) {
    const v = roundEven(kernel[i]! / scales[i % units]!);
    q[i] = Number.isNaN(v) ? 0 : Math.min(127, Math.max(-127, v));
  }
  return { kernel: q, scales };
}

/** Watches the values a layer receives during calibration and gives the range to quantise. */
interface RangeObserver {
  observe(values: Float32Array): void;
  range(): [number, number];
}

function minMaxObserver(): RangeObserver {
  let lo = 0, hi = 0;
  return {
    observe(values) {
      for (const v of values) {
        if (v < lo) lo = v;
        else if (v > hi) hi = v;
      }
    },
    range: () => [lo, hi],
  };
}

function percentileObserver(percentile: number): RangeObserver {
  const chunks: Float32Array[] = [];
  return {
    observe(values) {
      chunks.push(values.filter((v) => Number.isFinite(v)));
    },
    range() {
      const all = new Float32Array(chunks.reduce((n, c) => n + c.length, 0));
      let offset = 0;
      for (const c of chunks) {
        all.set(c, offset);
        offset += c.length;
      }
      if (all.length === 0) return [0, 0];
      all.sort();
      const at = (q: number) => all[Math.min(all.length - 1, Math.max(0, Math.round(q * (all.length - 1))))]!;
      return [at(1 - percentile / 100), at(percentile / 100)];
    },
  };
}

/** The layers to quantise: the model's own Dense (and, for int8, Conv) layers (not those of nested models), less `exclude`. */
function targetLayers(where: string, model: AnyModel, exclude: readonly string[], maxDepth: number, convolutions: boolean): Target[] {
  const layers = model.layers;
  for (const name of exclude) {
    const layer = layers.find((l) => l.name === name);
    if (layer === undefined) {
      throw new ValueError(`${where}: exclude names '${name}', which is not a layer of the model; its layers: ${layers.map((l) => l.name).join(', ')}`);
    }
    if (!isTarget(layer)) {
      throw new ValueError(`${where}: exclude names '${name}' (${layer.className}), which quantize does not quantise: only Dense, Conv2D and Conv1D (groups 1) layers are quantised, every other layer stays float32`);
    }
  }
  const targets = layers.filter((l): l is Target => (convolutions ? isTarget(l) : l instanceof Dense) && !exclude.includes(l.name));
  for (const layer of targets) {
    const { depth } = kernelMatrix(layer);
    if (depth > maxDepth) {
      throw new ValueError(`${where}: layer '${layer.name}' has ${depth} inputs per output, more than the int8 kernel's ${MAX_INT8_DEPTH}: list it in exclude`);
    }
  }
  if (targets.length === 0) {
    throw new ValueError(`${where}: the model has no Dense or Conv layer to quantise (its layers: ${layers.map((l) => `${l.name} (${l.className})`).join(', ')}${exclude.length > 0 ? '; exclude lists ' + exclude.join(', ') : ''})`);
  }
  return targets;
}

/** Runs the float model on the calibration data and returns each target's input range. */
function calibrate(model: AnyModel, targets: readonly Target[], data: Tensor[], observer: () => RangeObserver, batchSize: number): Map<string, [number, number]> {
  const observers = new Map(targets.map((dense) => [dense, observer()] as const));
  const restore: Array<() => void> = [];
  for (const [dense, watch] of observers) {
    const original = dense.call;
    dense.call = (x: Tensor, context: CallContext): Tensor => {
      const values = (x.isContiguous ? x : x.contiguous()).storage as Float32Array;
      watch.observe(values.subarray(0, x.size));
      return original.call(dense, x, context);
    };
    restore.push(() => {
      delete (dense as { call?: unknown }).call;
    });
  }
  try {
    model.predict(data.length === 1 ? data[0]! : data, { batchSize });
  } finally {
    for (const undo of restore) undo();
  }
  return new Map([...observers].map(([dense, watch]) => [dense.name, watch.range()]));
}

/**
 * Quantises a trained model to int8 for inference and returns a NEW model (the original is unchanged). Its Dense
 * layers become {@link QuantizedDense} layers: weights int8, symmetric, one scale per output channel (or per layer
 * with `perChannel: false`); inputs u8 per tensor, asymmetric, with `mode: 'static'` from `calibrationData` (the
 * min-max range, or with `calibrator: 'percentile'` the range between the 100 - p and p percentiles) or with
 * `mode: 'dynamic'` from each batch's own range. The products run in int32 on the native int8 kernels (AVX-512
 * VNNI, AVX-VNNI, or AVX2 without VNNI; every path gives the same bits), with the rescaling, bias and activation
 * fused into the kernel's epilogue. Other layers (and nested models) stay float32 between them.
 *
 * Accuracy: each output differs from float32 by at most sum_p (|x_p| s_w / 2 + (|w_p| + s_w / 2) s_x / 2) per layer
 * (s_w the output channel's weight scale, s_x the input scale; inputs outside a static range are clipped to it).
 * On the digits MLP the static model's accuracy is within 0.5 points of float32 (test/compression/quantization.test.ts).
 *
 * ```ts
 * const int8 = dn.quantize(model, { mode: 'static', calibrationData: xTrain.slice(0, 256) });
 * int8.predict(xTest);
 * ```
 * With `dtype: 'bfloat16'` the Dense layers become {@link Bf16Dense} layers instead: weights and each call's inputs
 * rounded to bf16 (nearest even), products accumulated in float32 (`vdpbf16ps` where the CPU has AVX512_BF16).
 * No calibration; half the kernel bytes. Before its activation, each output differs from the float32 layer's by at
 * most (2^-7 + 2^-15 + (k + 1) 2^-23) (sum_p |x_p w_p| + |b|) (k inputs: bf16 keeps 8 significant bits, so x and w
 * are each within 2^-8 relative, their product within 2^-7 + 2^-16; then the float32 sums and bias of both layers;
 * tested in test/compression/bf16.test.ts).
 *
 * The model must be built. Errors: a ValueError for an unbuilt model, static mode without calibration data, a
 * name in `exclude` that is not a Dense layer of the model; a ShapeError for calibration data the model does not take.
 */
export function quantize<M extends AnyModel>(model: M, options: QuantizeOptions = {}): M {
  const where = 'quantize';
  if (!(model instanceof Model)) typeError(where, 'model', 'a model (dn.sequential or dn.model)', model);
  const o = checkOptions<QuantizeOptions>(where, options, OPTION_NAMES);
  if (!model.built) {
    throw new ValueError(`${where}: the model ${model.name} is not built yet (its weights do not exist): give its first layer an inputShape, or train it first`);
  }
  const dtype = o.dtype === undefined ? 'int8' : checkChoice(where, 'dtype', o.dtype, ['int8', 'bfloat16'] as const);
  if (dtype === 'bfloat16') {
    for (const name of ['mode', 'calibrationData', 'calibrator', 'percentile', 'perChannel'] as const) {
      if (o[name] !== undefined) throw new ValueError(`${where}: ${name} is an option of dtype 'int8' (dtype is 'bfloat16', which needs no calibration)`);
    }
  }
  const mode = o.mode === undefined ? 'dynamic' : checkChoice(where, 'mode', o.mode, ['dynamic', 'static'] as const);
  const perChannel = o.perChannel === undefined ? true : checkBoolean(where, 'perChannel', o.perChannel);
  if (o.exclude !== undefined && (!Array.isArray(o.exclude) || o.exclude.some((name) => typeof name !== 'string'))) {
    typeError(where, 'exclude', 'an array of layer names', o.exclude);
  }
  const batchSize = o.batchSize === undefined ? 256 : o.batchSize;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new ValueError(`${where}: batchSize must be a positive integer, got ${describe(batchSize)}`);
  const targets = targetLayers(where, model, o.exclude ?? [], dtype === 'int8' ? MAX_INT8_DEPTH : Infinity, dtype === 'int8');

  let ranges: Map<string, [number, number]> | null = null;
  // Layers trained by quantizeAware bring their input range (and their weight scales' granularity).
  const learned = new Map(targets.flatMap((dense) => dense instanceof QuantizeAwareDense && dense.inputRange !== null ? [[dense.name, dense.inputRange] as const] : []));
  if (mode === 'static' && o.calibrationData === undefined && learned.size === targets.length) {
    ranges = learned;
  } else if (mode === 'static') {
    if (o.calibrationData === undefined) {
      throw new ValueError(`${where}: mode 'static' needs calibrationData (inputs as predict takes them, a few hundred samples) to fix each layer's input range (layers trained by quantizeAware bring their own; ${targets.filter((d) => !learned.has(d.name)).map((d) => d.name).join(', ')} do not); or use mode 'dynamic'`);
    }
    const data = Array.isArray(o.calibrationData) ? o.calibrationData : [o.calibrationData];
    if (data.some((t) => !(t instanceof Tensor))) typeError(where, 'calibrationData', 'a tensor or an array of tensors (one per model input)', o.calibrationData);
    if (data.length !== model.inputNames.length) {
      throw new ValueError(`${where}: calibrationData must hold ${model.inputNames.length} tensor(s), one per model input (${model.inputNames.join(', ')}), got ${data.length}`);
    }
    model.checkInputs(where, data.length === 1 ? ['calibrationData'] : data.map((_, i) => `calibrationData[${i}]`), data);
    if (data[0]!.shape[0] === 0) throw new ValueError(`${where}: calibrationData has no samples`);
    const calibrator = o.calibrator === undefined ? 'minMax' : checkChoice(where, 'calibrator', o.calibrator, ['minMax', 'percentile'] as const);
    let percentile = 99.99;
    if (o.percentile !== undefined) {
      if (calibrator !== 'percentile') throw new ValueError(`${where}: percentile is an option of calibrator 'percentile', got calibrator '${calibrator}'`);
      if (typeof o.percentile !== 'number' || !(o.percentile > 50 && o.percentile <= 100)) {
        throw new ValueError(`${where}: percentile must be a number in (50, 100], got ${describe(o.percentile)}`);
      }
      percentile = o.percentile;
    }
    ranges = calibrate(model, targets, data, calibrator === 'minMax' ? minMaxObserver : () => percentileObserver(percentile), batchSize);
    for (const [name, range] of learned) ranges.set(name, range);
  } else {
    for (const name of ['calibrationData', 'calibrator', 'percentile'] as const) {
      if (o[name] !== undefined) throw new ValueError(`${where}: ${name} is an option of mode 'static' (mode is '${mode}')`);
    }
  }

  // The new model: the same architecture with QuantizedDense layers in place of the targets.
  const config = model.getConfig() as { layers: Array<{ className: string; config: Record<string, unknown> }> };
  const byName = new Map(targets.map((dense) => [dense.name, dense]));
  const layers = config.layers.map((entry) => {
    const dense = byName.get(entry.config.name as string);
    if (dense === undefined) return entry;
    const shape = entry.config.batchInputShape === undefined ? {} : { batchInputShape: entry.config.batchInputShape };
    if (dtype === 'bfloat16' && dense instanceof Dense) {
      return { ...entry, className: 'Bf16Dense', config: { name: dense.name, ...shape, units: dense.units, inputDim: dense.inputDim, activation: entry.config.activation, useBias: dense.bias !== null } };
    }
    const range = ranges?.get(dense.name);
    const input = range === undefined ? {} : (({ scale, zeroPoint }) => ({ inputScale: scale, inputZeroPoint: zeroPoint }))(rangeParameters(range[0], range[1]));
    if (!(dense instanceof Dense)) {
      const kept = Object.fromEntries(CONV_KEPT.filter((key) => entry.config[key] !== undefined).map((key) => [key, entry.config[key]]));
      return {
        ...entry,
        className: dense.rank === 1 ? 'QuantizedConv1D' : 'QuantizedConv2D',
        config: { ...kept, rank: dense.rank, inputChannels: kernelMatrix(dense).depth / dense.kernelSize.reduce((a, b) => a * b, 1), mode, ...input },
      };
    }
    return {
      ...entry,
      className: 'QuantizedDense',
      config: { name: dense.name, ...shape, units: dense.units, inputDim: dense.inputDim, activation: entry.config.activation, mode, useBias: dense.bias !== null, ...input },
    };
  });
  const rebuilt = (model.constructor as unknown as { fromConfig(c: Record<string, unknown>): M }).fromConfig({ ...config, layers });
  const originals = new Map(model.layers.map((layer) => [layer.name, layer] as const));
  for (const layer of rebuilt.layers) {
    const original = originals.get(layer.name) as AnyLayer;
    if (layer instanceof QuantizedDense || layer instanceof QuantizedConv) {
      const target = original as Target;
      const channels = target instanceof QuantizeAwareDense ? target.perChannel : perChannel;
      const { data, depth, units } = kernelMatrix(target);
      const { kernel, scales } = quantizeKernel(data, depth, units, channels);
      layer.setQuantizedWeights({ kernel, kernelScales: scales, bias: target.bias === null ? null : Float32Array.from(target.bias.value.storage as Float32Array) });
    } else if (layer instanceof Bf16Dense) {
      const dense = original as Dense;
      layer.setBf16Weights({ kernel: toBfloat16(dense.kernel!.value.storage as Float32Array), bias: dense.bias === null ? null : Float32Array.from(dense.bias.value.storage as Float32Array) });
    } else if (original.weights.length > 0) {
      if (!layer.built) throw new ArgumentTypeError(`${where}: layer '${layer.name}' of the rebuilt model is not built`);
      layer.setWeights(original.getWeights());
    }
  }
  return rebuilt;
}
