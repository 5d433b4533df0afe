/**
 * Grad-CAM (Selvaraju et al., 2017): where in an image a convolutional model found the evidence for a
 * class. The gradients of the class score with respect to a convolutional layer's feature maps A_k,
 * averaged over the map, weigh each channel (w_k); the map is ReLU(Σ_k w_k A_k), at the layer's
 * resolution, then resized to the input's.
 */
import { ShapeError, ValueError } from '../errors.js';
import { setGradEnabled } from '../autograd/engine.js';
import { Layer, type AnyLayer } from '../layers/layer.js';
import { BaseConv } from '../layers/conv/base-conv.js';
import { Dense } from '../layers/dense.js';
import { ActivationLayer } from '../layers/activation.js';
import { valueAndGrad } from '../model/gradients.js';
import { runProgram, type Program } from '../model/program.js';
import { Model } from '../model/training.js';
import { makeTensor, Tensor } from '../tensor.js';
import { checkBoolean, checkChoice, checkOptions, formatShape, typeError } from '../validate.js';
import {
  batchedPredict, batchOf, checkInputs, eachBatch, modelRunner, resolveTargets, runOptions, TARGET_OPTIONS, valuesOf,
  type TargetOptions,
} from './common.js';

/** Options of {@link gradCam}. */
export interface GradCamOptions extends TargetOptions {
  /**
   * The layer whose feature maps are weighed: its name or the layer itself, a layer of the model
   * (not of a model nested in it) whose output is 4-D. Default: the model's last 2-D convolutional
   * layer (conv2d, depthwiseConv2d, separableConv2d, conv2dTranspose), as in Keras' Grad-CAM example.
   */
  layer?: string | AnyLayer;
  /**
   * The layout of the layer's output and of `x`: `[batch, height, width, channels]` or
   * `[batch, channels, height, width]`. Default: the layer's own `dataFormat`, else channelsLast.
   */
  dataFormat?: 'channelsLast' | 'channelsFirst';
  /**
   * Differentiate the class score before the model's final softmax (a Dense or Activation layer), as
   * the paper does. Default false: the model's output, the score every `dn.explain` method explains.
   * A probability's gradient is contrastive, p_c · (∇z_c − Σ_j p_j ∇z_j): evidence for the class
   * against the others. On a shallow network the logits' maps are often all zero after the ReLU
   * (on the digits CNN, more than half of them); the probabilities' are not.
   */
  beforeSoftmax?: boolean;
}

/** What {@link gradCam} returns. */
export interface GradCamResult {
  /**
   * The maps resized to the input's height and width, [samples, height, width] (bilinear, pixel
   * centres aligned: TensorFlow's `resize(..., 'bilinear')` and OpenCV's `INTER_LINEAR`), ready for
   * `dn.plot.attributionMap`. Nonnegative.
   */
  attributions: Tensor;
  /** The maps at the layer's resolution, [samples, layer height, layer width]. */
  heatmaps: Tensor;
  /** The output column explained for each row. */
  targets: number[];
  /** The name of the layer whose feature maps were used. */
  layer: string;
}

/**
 * Grad-CAM maps of a convolutional model for a batch of images: for each row, the explained class's
 * evidence by place, from the feature maps of one convolutional layer (by default the last one).
 * ```ts
 * const cam = dn.explain.gradCam(model, images);            // images [n, 8, 8, 1], the last conv layer
 * dn.plot.attributionMap(images, { 'Grad-CAM': cam.attributions }, { file: 'grad-cam.png' });
 * ```
 * @param model a Sequential or functional model with one image input and one output
 * @param x a batch of images, [samples, height, width, channels] (or channelsFirst)
 */
export function gradCam(model: Model<Tensor>, x: Tensor, options: GradCamOptions = {}): GradCamResult {
  const where = 'explain.gradCam';
  const o = checkOptions<GradCamOptions>(where, options, [...TARGET_OPTIONS, 'layer', 'dataFormat', 'beforeSoftmax']);
  if (!(model instanceof Model)) typeError(where, 'model', 'a Model (Sequential or functional) with a convolutional layer', model);
  const runner = modelRunner(where, model);
  const input = checkInputs(where, 'x', x, 4);
  if (input.rank !== 4) throw new ShapeError(`${where}: x must be a batch of images [samples, height, width, channels] (or [samples, channels, height, width]), got shape ${formatShape(input.shape)}`);
  const { batchSize, onProgress } = runOptions(where, o);
  const beforeSoftmax = o.beforeSoftmax === undefined ? false : checkBoolean(where, 'beforeSoftmax', o.beforeSoftmax);
  // Predicting first checks x against the model (and builds it) before the program is read.
  const rows = input.shape[0];
  const targets = resolveTargets(where, o.target, rows, batchedPredict(runner, input, batchSize));
  const program = model.program;
  const step = layerStep(where, model, program, o.layer);
  const layer = program.steps[step].layer;
  const ownFormat = (layer as { dataFormat?: unknown }).dataFormat;
  const dataFormat = o.dataFormat !== undefined
    ? checkChoice(where, 'dataFormat', o.dataFormat, ['channelsLast', 'channelsFirst'] as const)
    : ownFormat === 'channelsFirst' ? 'channelsFirst' : 'channelsLast';
  const [height, width] = dataFormat === 'channelsLast' ? input.shape.slice(1, 3) : input.shape.slice(2, 4);
  const logits = beforeSoftmax ? softmaxStep(program) : null;

  const values = valuesOf(input);
  const rowSize = input.size / rows;
  const parts: { maps: Float32Array; height: number; width: number }[] = [];
  eachBatch(Math.ceil(rows / batchSize), onProgress, (b) => {
    const start = b * batchSize;
    const end = Math.min(rows, start + batchSize);
    const batch = batchOf(values.slice(start * rowSize, end * rowSize), end - start, input.shape.slice(1));
    const { activations, gradients } = featureMapGradients(where, model, program, step, logits, batch, targets.slice(start, end));
    parts.push(weighedMaps(activations, gradients, dataFormat));
  });
  const mapShape: [number, number] = [parts[0].height, parts[0].width];
  const heatmaps = new Float32Array(rows * mapShape[0] * mapShape[1]);
  let offset = 0;
  for (const part of parts) {
    heatmaps.set(part.maps, offset);
    offset += part.maps.length;
  }
  return {
    attributions: makeTensor(resizeBilinear(heatmaps, rows, mapShape, [height, width]), [rows, height, width]),
    heatmaps: makeTensor(heatmaps, [rows, ...mapShape]),
    targets,
    layer: layer.name,
  };
}

/** The program step of the explained layer: the one named or given, or the last 2-D convolution. */
function layerStep(where: string, model: Model<Tensor>, program: Program, layer: unknown): number {
  const steps = program.steps;
  let name: string;
  let matches: (l: AnyLayer) => boolean;
  if (layer === undefined) {
    const last = [...steps].reverse().find((s) => s.layer instanceof BaseConv && s.layer.rank === 2);
    if (last === undefined) {
      throw new ValueError(`${where}: model '${model.name}' has no 2-D convolutional layer of its own; name the layer whose 4-D feature maps to use with the option layer`);
    }
    name = last.layer.name;
    matches = (l) => l === last.layer;
  } else if (typeof layer === 'string') {
    name = layer;
    matches = (l) => l.name === layer;
  } else if (layer instanceof Layer) {
    name = layer.name;
    matches = (l) => l === layer;
  } else {
    typeError(where, 'layer', 'a layer name or a layer of the model', layer);
  }
  const found = steps.flatMap((s, i) => (matches(s.layer) ? [i] : []));
  if (found.length === 1) return found[0];
  if (found.length > 1) throw new ValueError(`${where}: layer '${name}' is called ${found.length} times in model '${model.name}'; Grad-CAM needs a layer with one set of feature maps`);
  const nested = model.layers.find((l) => l instanceof Model && l.flatLayers.some(matches));
  if (nested !== undefined) {
    throw new ValueError(`${where}: layer '${name}' is inside the nested model '${nested.name}'; explain that model, or build the model from its layers`);
  }
  const names = model.layers.map((l) => l.name);
  throw new ValueError(`${where}: layer '${name}' is not a layer of model '${model.name}'; its layers: ${names.join(', ')}`);
}

/** The logits flags that make the model's final softmax (a Dense or Activation layer) return its input, or null. */
function softmaxStep(program: Program): Uint8Array | null {
  const step = program.foldableSteps[0];
  if (step === undefined || step < 0) return null;
  const last = program.steps[step].layer;
  const activation = last instanceof Dense || last instanceof ActivationLayer ? last.activation : null;
  if (activation === null || activation.name !== 'softmax' || activation.getConfig().axis !== undefined) return null;
  const flags = new Uint8Array(program.steps.length);
  flags[step] = 1;
  return flags;
}

/**
 * The feature maps of program step `step` on `batch` and the gradient of each row's `targets[r]`
 * score with respect to them (a row's score depends on that row only, so one backward pass of the
 * sum of the scores gives every row's gradient).
 */
function featureMapGradients(
  where: string, model: Model<Tensor>, program: Program, step: number, logits: Uint8Array | null, batch: Tensor, targets: readonly number[],
): { activations: Tensor; gradients: Float32Array } {
  let activations: Tensor | null = null;
  const layerName = program.steps[step].layer.name;
  const recording = setGradEnabled(true);
  try {
    valueAndGrad(() => {
      const [output] = runProgram(program, [batch], {
        training: false, trainable: model.trainable, workspace: null, logits, losses: null,
        onStepOutput: (s, maps) => {
          if (s !== step) return;
          if (!(maps instanceof Tensor) || maps.rank !== 4) {
            const shape = maps instanceof Tensor ? formatShape(maps.shape) : `${maps.length} tensors`;
            throw new ShapeError(`${where}: layer '${layerName}' gives ${shape}; Grad-CAM needs 4-D feature maps [batch, height, width, channels] (or channelsFirst): choose a convolutional layer`);
          }
          activations = maps._requiresGrad ? maps.retainGrad() : maps;
        },
      });
      const scores = output.rank === 2 ? output : output.reshape([batch.shape[0], -1]);
      const width = scores.shape[1];
      const mask = new Float32Array(scores.size);
      targets.forEach((t, r) => (mask[r * width + t] = 1));
      return scores.mul(makeTensor(mask, scores.shape)).sum();
    }, { batch });
  } finally {
    setGradEnabled(recording);
  }
  const maps = activations as Tensor | null;
  if (maps === null) throw new ValueError(`${where}: layer '${layerName}' did not run in the forward pass`);
  const gradient = maps._grad;
  maps._grad = null;
  return { activations: maps.detach(), gradients: gradient === null ? new Float32Array(maps.size) : valuesOf(gradient) };
}

/** ReLU(Σ_k w_k A_k) per row, with w_k the mean over the map of the gradient of channel k. */
function weighedMaps(activations: Tensor, gradients: Float32Array, dataFormat: 'channelsLast' | 'channelsFirst'): { maps: Float32Array; height: number; width: number } {
  const [rows, a, b, c] = activations.shape;
  const [height, width, channels] = dataFormat === 'channelsLast' ? [a, b, c] : [b, c, a];
  const pixels = height * width;
  // Where channel k of pixel p sits within a row.
  const at = dataFormat === 'channelsLast' ? (p: number, k: number) => p * channels + k : (p: number, k: number) => k * pixels + p;
  const values = valuesOf(activations);
  const maps = new Float32Array(rows * pixels);
  const weights = new Float64Array(channels);
  for (let r = 0; r < rows; r++) {
    const base = r * pixels * channels;
    weights.fill(0);
    for (let p = 0; p < pixels; p++) for (let k = 0; k < channels; k++) weights[k] += gradients[base + at(p, k)] / pixels;
    for (let p = 0; p < pixels; p++) {
      let sum = 0;
      for (let k = 0; k < channels; k++) sum += weights[k] * values[base + at(p, k)];
      maps[r * pixels + p] = Math.max(0, sum);
    }
  }
  return { maps, height, width };
}

/**
 * Bilinear resizing of `rows` maps with pixel centres aligned (a target pixel's centre maps to
 * (i + 0.5) · in / out − 0.5 in the source, clamped at the edges), as TensorFlow's and OpenCV's.
 */
export function resizeBilinear(maps: Float32Array, rows: number, from: readonly [number, number], to: readonly [number, number]): Float32Array {
  const [inHeight, inWidth] = from;
  const [outHeight, outWidth] = to;
  const sourceOf = (i: number, inSize: number, outSize: number): [number, number, number] => {
    const position = Math.min(inSize - 1, Math.max(0, (i + 0.5) * (inSize / outSize) - 0.5));
    const low = Math.floor(position);
    return [low, Math.min(inSize - 1, low + 1), position - low];
  };
  const ys = Array.from({ length: outHeight }, (_, i) => sourceOf(i, inHeight, outHeight));
  const xs = Array.from({ length: outWidth }, (_, j) => sourceOf(j, inWidth, outWidth));
  const result = new Float32Array(rows * outHeight * outWidth);
  for (let r = 0; r < rows; r++) {
    const source = r * inHeight * inWidth;
    for (let i = 0; i < outHeight; i++) {
      const [y0, y1, fy] = ys[i];
      for (let j = 0; j < outWidth; j++) {
        const [x0, x1, fx] = xs[j];
        const top = maps[source + y0 * inWidth + x0] * (1 - fx) + maps[source + y0 * inWidth + x1] * fx;
        const bottom = maps[source + y1 * inWidth + x0] * (1 - fx) + maps[source + y1 * inWidth + x1] * fx;
        result[(r * outHeight + i) * outWidth + j] = top * (1 - fy) + bottom * fy;
      }
    }
  }
  return result;
}
