/**
 * Recurrent networks as tensor operations with autograd: a whole sequence through an LSTM, GRU or simple
 * RNN cell ({@link runRecurrent}, what the recurrent layers call), and one step of each cell as a public
 * op (`dn.lstmCell`, `dn.gruCell`, `dn.rnnCell`) with every input and weight explicit.
 *
 * Weights follow Keras exactly, so Keras-trained weights load: `kernel` [inputs, G·units],
 * `recurrentKernel` [units, G·units] and `bias` [G·units] with the gates side by side in Keras' order
 * (LSTM i, f, c, o: G = 4; GRU z, r, h: G = 3, and with `resetAfter` a bias [2, 3·units] of an input row
 * and a recurrent row; simple RNN G = 1).
 *
 * Speed: with built-in elementwise activations a sequence runs in the native driver (one GEMM projects
 * every step's input, then per step a GEMM for the recurrent product and one fused cell kernel, batch
 * slices on the pool's threads; backpropagation through time with the same structure and one GEMM per
 * weight gradient). Activations given as functions (or softmax) run as ordinary ops step by step.
 */
import { ShapeError } from '../errors.js';
import { binding, type RecurrentSpec } from '../native.js';
import { allocateStorage, checkFloat, makeTensor, sameShape, Tensor, toTensor, type TensorLike } from '../tensor.js';
import { isGradEnabled, recordOp } from '../autograd/engine.js';
import { gradTarget } from '../autograd/leaf-grad.js';
import { getActivation, type Activation, type ActivationIdentifier } from '../activations.js';
import { checkBoolean, checkOptions, formatShape } from '../validate.js';
import type { Workspace } from '../layers/layer.js';
import { add, mul, sub } from './elementwise.js';
import { where } from './compare.js';
import { matmul } from './matmul.js';
import { contiguous, reshapeTo, slice, split, stack } from './shape.js';

/** The recurrent cells. */
export type CellKind = 'simpleRnn' | 'lstm' | 'gru';

/** Gates per unit of each cell: the width of its kernels is this times the units. */
export const CELL_GATES: Readonly<Record<CellKind, number>> = { simpleRnn: 1, lstm: 4, gru: 3 };

/** A whole sequence through a recurrent cell: what {@link runRecurrent} takes (already validated). */
export interface RecurrentRun {
  cell: CellKind;
  /** [batch, steps, inputs] float32. */
  x: Tensor;
  kernel: Tensor;
  recurrentKernel: Tensor;
  bias: Tensor | null;
  /** [h] or (LSTM) [h, c], each [batch, units]; null for zeros. */
  initialState: readonly Tensor[] | null;
  activation: Activation;
  recurrentActivation: Activation;
  /** GRU: Keras' reset_after (default true). */
  resetAfter: boolean;
  goBackwards: boolean;
  /** Masked steps output 0 (else the state carried over, Keras' default). */
  zeroMaskedOutputs: boolean;
  returnSequences: boolean;
  /** Also return the final states ([h] or [h, c]). */
  returnState: boolean;
  /** [batch, steps] of 0/1, or null. */
  mask: Float32Array | null;
  /** [batch, inputs] scaled keep mask, or null. */
  inputDropout: Float32Array | null;
  /** [batch, units] scaled keep mask, or null. */
  recurrentDropout: Float32Array | null;
  /** Reused buffers for the cache and scratch (a training step's), or null to allocate. */
  workspace: Workspace | null;
}

function floats(workspace: Workspace | null, key: string, length: number): Float32Array {
  return workspace === null ? (allocateStorage('float32', length) as Float32Array) : workspace.floats(key, length);
}

function data(t: Tensor): Float32Array {
  return (t.isContiguous ? t : contiguous(t.detach())).storage as Float32Array;
}

/** Whether an activation runs in the native cell kernels (a built-in elementwise one). */
export function nativeActivation(activation: Activation): boolean {
  return activation.unaryCode !== null;
}

/**
 * Runs a sequence through a cell and returns `[output]` (the sequence [batch, steps, units] or the last
 * output [batch, units]) followed, with `returnState`, by the final states (`h`, and `c` for an LSTM).
 * Differentiable with respect to the inputs, the weights and the initial states.
 */
export function runRecurrent(run: RecurrentRun): Tensor[] {
  const native = nativeActivation(run.activation) && (run.cell === 'simpleRnn' || nativeActivation(run.recurrentActivation));
  return native ? nativeRecurrent(run) : compositeRecurrent(run);
}

function nativeRecurrent(run: RecurrentRun): Tensor[] {
  const { cell, x, kernel, recurrentKernel, bias, workspace } = run;
  const [batch, steps, inputs] = x.shape;
  const units = recurrentKernel.shape[0];
  const lstm = cell === 'lstm';
  const h0 = run.initialState === null ? null : run.initialState[0];
  const c0 = run.initialState === null || !lstm ? null : run.initialState[1];
  const common: RecurrentSpec = {
    cell: binding.opCodes.cell[cell], batch, steps, inputs, units,
    activation: run.activation.unaryCode!, activationParam: run.activation.param,
    recurrentActivation: run.recurrentActivation.unaryCode ?? binding.opCodes.unary.sigmoid, recurrentParam: run.recurrentActivation.param,
    resetAfter: run.resetAfter, goBackwards: run.goBackwards, zeroMaskedOutputs: run.zeroMaskedOutputs,
  };
  const sizes = binding.recurrentSizes({ ...common, masked: run.mask !== null, recurrentDropout: run.recurrentDropout !== null });
  const cache = floats(workspace, 'cache', sizes.cache);
  // One buffer for every output: they come out of one call, and a backward pass through any of them is one call.
  const state = batch * units;
  const outputSize = run.returnSequences ? batch * steps * units : state;
  const stateCount = run.returnState ? (lstm ? 2 : 1) : 0;
  const packed = allocateStorage('float32', outputSize + stateCount * state) as Float32Array;
  const output = packed.subarray(0, outputSize);
  const stateH = stateCount > 0 ? packed.subarray(outputSize, outputSize + state) : null;
  const stateC = stateCount > 1 ? packed.subarray(outputSize + state) : null;
  const buffers = {
    kernel: data(kernel), recurrentKernel: data(recurrentKernel), mask: run.mask, inputDropout: run.inputDropout,
    recurrentDropout: run.recurrentDropout, cache,
  };
  binding.recurrentForward({
    ...common, ...buffers, x: data(x), bias: bias === null ? null : data(bias), h0: h0 === null ? null : data(h0),
    c0: c0 === null ? null : data(c0), sequence: run.returnSequences ? output : null,
    lastOutput: run.returnSequences ? null : output, stateH, stateC,
  });
  const outputShape = run.returnSequences ? [batch, steps, units] : [batch, units];
  const sources: Tensor[] = [x, kernel, recurrentKernel];
  if (bias !== null) sources.push(bias);
  if (h0 !== null) sources.push(h0);
  if (c0 !== null) sources.push(c0);
  const recording = isGradEnabled() && sources.some((t) => t.requiresGrad);
  if (!recording) {
    const results = [makeTensor(output, outputShape)];
    if (stateH !== null) results.push(makeTensor(stateH, [batch, units]));
    if (stateC !== null) results.push(makeTensor(stateC, [batch, units]));
    return results;
  }
  const all = recordOp(cell, makeTensor(packed, [packed.length]), sources, (grad, needs) => {
    const g = contiguous(grad).storage as Float32Array;
    const scratch = floats(workspace, 'scratch', sizes.scratch);
    const dx = needs[0] ? (allocateStorage('float32', x.size) as Float32Array) : null;
    const targets = [kernel, recurrentKernel, bias].map((w, i) => (w !== null && needs[i + 1] ? gradTarget(w) : null));
    const h0Index = 3 + (bias === null ? 0 : 1);
    const dh0 = h0 !== null && needs[h0Index] ? (allocateStorage('float32', state) as Float32Array) : null;
    const dc0 = c0 !== null && needs[h0Index + 1] ? (allocateStorage('float32', state) as Float32Array) : null;
    binding.recurrentBackward({
      ...common, ...buffers, scratch,
      dSequence: run.returnSequences ? g.subarray(0, outputSize) : null,
      dLastOutput: run.returnSequences ? null : g.subarray(0, outputSize),
      dStateH: stateCount > 0 ? g.subarray(outputSize, outputSize + state) : null,
      dStateC: stateCount > 1 ? g.subarray(outputSize + state) : null,
      dx, dh0, dc0,
      dKernel: targets[0]?.buffer ?? null, dRecurrentKernel: targets[1]?.buffer ?? null, dBias: targets[2]?.buffer ?? null,
      accumulate: true,
    });
    const grads: (Tensor | null)[] = [dx === null ? null : makeTensor(dx, x.shape), targets[0]?.finish() ?? null, targets[1]?.finish() ?? null];
    if (bias !== null) grads.push(targets[2]?.finish() ?? null);
    if (h0 !== null) grads.push(dh0 === null ? null : makeTensor(dh0, h0.shape));
    if (c0 !== null) grads.push(dc0 === null ? null : makeTensor(dc0, c0.shape));
    return grads;
  });
  const results = [reshapeTo(slice(all, [0], [outputSize]), outputShape)];
  for (let s = 0; s < stateCount; s++) results.push(reshapeTo(slice(all, [outputSize + s * state], [state]), [batch, units]));
  return results;
}

// --- the same computation with ordinary ops (activations given as functions, and a reference) ----------

/** One step of a cell written with ops: the new hidden state (and an LSTM's cell state). */
function compositeStep(
  cell: CellKind, x: Tensor, hIn: Tensor, hPrev: Tensor, cPrev: Tensor | null, kernel: Tensor, recurrentKernel: Tensor,
  bias: Tensor | null, activation: Activation, recurrentActivation: Activation, resetAfter: boolean,
): { h: Tensor; c: Tensor | null } {
  const units = recurrentKernel.shape[0];
  if (cell === 'gru') {
    const inputBias = bias === null ? null : resetAfter ? reshapeTo(slice(bias, [0, 0], [1, 3 * units]), [3 * units]) : bias;
    const recurrentBias = bias === null || !resetAfter ? null : reshapeTo(slice(bias, [1, 0], [1, 3 * units]), [3 * units]);
    let projected = matmul(x, kernel);
    if (inputBias !== null) projected = add(projected, inputBias);
    const [xz, xr, xh] = split(projected, 3, 1);
    let z: Tensor, reset: Tensor, candidate: Tensor;
    if (resetAfter) {
      let recurrent = matmul(hIn, recurrentKernel);
      if (recurrentBias !== null) recurrent = add(recurrent, recurrentBias);
      const [rz, rr, rh] = split(recurrent, 3, 1);
      z = recurrentActivation.apply(add(xz, rz));
      reset = recurrentActivation.apply(add(xr, rr));
      candidate = activation.apply(add(xh, mul(reset, rh)));
    } else {
      const [kernelZr, kernelH] = split(recurrentKernel, [2 * units, units], 1);
      const [rz, rr] = split(matmul(hIn, kernelZr), 2, 1);
      z = recurrentActivation.apply(add(xz, rz));
      reset = recurrentActivation.apply(add(xr, rr));
      candidate = activation.apply(add(xh, matmul(mul(reset, hIn), kernelH)));
    }
    return { h: add(mul(z, hPrev), mul(sub(1, z), candidate)), c: null };
  }
  let z = add(matmul(x, kernel), matmul(hIn, recurrentKernel));
  if (bias !== null) z = add(z, bias);
  if (cell === 'simpleRnn') return { h: activation.apply(z), c: null };
  const [zi, zf, zg, zo] = split(z, 4, 1);
  const c = add(mul(recurrentActivation.apply(zf), cPrev!), mul(recurrentActivation.apply(zi), activation.apply(zg)));
  return { h: mul(recurrentActivation.apply(zo), activation.apply(c)), c };
}

/** Keeps `next` where the mask column is 1 and `previous` where it is 0. */
function masked(next: Tensor, previous: Tensor, keep: Tensor): Tensor {
  return add(mul(next, keep), mul(previous, sub(1, keep)));
}

function compositeRecurrent(run: RecurrentRun): Tensor[] {
  const { cell, kernel, recurrentKernel, bias } = run;
  const [batch, steps, inputs] = run.x.shape;
  const units = recurrentKernel.shape[0];
  let x = run.x;
  if (run.inputDropout !== null) x = mul(x, makeTensor(run.inputDropout, [batch, 1, inputs]));
  let h = run.initialState?.[0] ?? makeTensor(allocateStorage('float32', batch * units), [batch, units]);
  let c = cell === 'lstm' ? run.initialState?.[1] ?? makeTensor(allocateStorage('float32', batch * units), [batch, units]) : null;
  const recurrentKeep = run.recurrentDropout === null ? null : makeTensor(run.recurrentDropout, [batch, units]);
  const outputs: Tensor[] = [];
  let lastOutput: Tensor | null = null;
  for (let t = 0; t < steps; t++) {
    const source = run.goBackwards ? steps - 1 - t : t;
    const xt = reshapeTo(slice(x, [0, source, 0], [batch, 1, inputs]), [batch, inputs]);
    const hIn = recurrentKeep === null ? h : mul(h, recurrentKeep);
    const next = compositeStep(cell, xt, hIn, h, c, kernel, recurrentKernel, bias, run.activation, run.recurrentActivation, run.resetAfter);
    let output = next.h;
    if (run.mask !== null) {
      const column = allocateStorage('float32', batch) as Float32Array;
      for (let b = 0; b < batch; b++) column[b] = run.mask[b * steps + source];
      const keep = makeTensor(column, [batch, 1]);
      output = run.zeroMaskedOutputs ? where(keep, next.h, 0) : masked(next.h, h, keep);
      h = masked(next.h, h, keep);
      if (c !== null) c = masked(next.c!, c, keep);
    } else {
      h = next.h;
      c = next.c;
    }
    if (run.returnSequences) outputs.push(output);
    lastOutput = output;
  }
  const first = run.returnSequences
    ? steps === 0 ? makeTensor(allocateStorage('float32', 0), [batch, 0, units]) : stack(outputs, 1)
    : lastOutput ?? makeTensor(allocateStorage('float32', batch * units), [batch, units]);
  const results = [first];
  if (run.returnState) {
    results.push(h);
    if (c !== null) results.push(c);
  }
  return results;
}

// --- one step as a public op ----------------------------------------------------------------------

/** Options of {@link lstmCell}, {@link gruCell} and {@link rnnCell}. */
export interface CellOptions {
  /** The candidate's (and an LSTM's output) activation: a name, object or function. Default 'tanh'. */
  activation?: ActivationIdentifier;
  /** The gates' activation (LSTM, GRU). Default 'sigmoid'. */
  recurrentActivation?: ActivationIdentifier;
}

/** Options of {@link gruCell}. */
export interface GruCellOptions extends CellOptions {
  /**
   * Apply the reset gate after the recurrent product (Keras' default, cuDNN's form; the bias is then
   * [2, 3·units]: input and recurrent rows) or before it (bias [3·units]). Default true.
   */
  resetAfter?: boolean;
}

/** Checks one step's tensors and options; returns the run of one step. */
function cellRun(
  where: string, cell: CellKind, x: TensorLike, h: TensorLike, c: TensorLike | null, kernel: TensorLike, recurrentKernel: TensorLike,
  bias: TensorLike | null | undefined, options: GruCellOptions | undefined,
): RecurrentRun {
  const o = checkOptions<GruCellOptions>(where, options, cell === 'gru' ? ['activation', 'recurrentActivation', 'resetAfter'] : cell === 'lstm' ? ['activation', 'recurrentActivation'] : ['activation']);
  const input = checkFloat(where, 'x', toTensor(where, 'x', x));
  const hidden = checkFloat(where, 'h', toTensor(where, 'h', h));
  const cellState = c === null ? null : checkFloat(where, 'c', toTensor(where, 'c', c));
  const w = checkFloat(where, 'kernel', toTensor(where, 'kernel', kernel));
  const r = checkFloat(where, 'recurrentKernel', toTensor(where, 'recurrentKernel', recurrentKernel));
  const b = bias === null || bias === undefined ? null : checkFloat(where, 'bias', toTensor(where, 'bias', bias));
  const resetAfter = o.resetAfter === undefined ? true : checkBoolean(where, 'resetAfter', o.resetAfter);
  if (input.rank !== 2) throw new ShapeError(`${where}: x must be [batch, inputs], got shape ${formatShape(input.shape)}`);
  const [batch, inputs] = input.shape;
  if (r.rank !== 2 || r.shape[1] !== CELL_GATES[cell] * r.shape[0]) {
    throw new ShapeError(`${where}: recurrentKernel must be [units, ${CELL_GATES[cell]} * units], got shape ${formatShape(r.shape)}`);
  }
  const units = r.shape[0];
  const width = CELL_GATES[cell] * units;
  const expect = (t: Tensor, name: string, shape: number[]): void => {
    if (!sameShape(t.shape, shape)) throw new ShapeError(`${where}: ${name} must have shape ${formatShape(shape)}, got shape ${formatShape(t.shape)}`);
  };
  expect(w, 'kernel', [inputs, width]);
  expect(hidden, 'h', [batch, units]);
  if (cellState !== null) expect(cellState, 'c', [batch, units]);
  if (b !== null) expect(b, 'bias', cell === 'gru' && resetAfter ? [2, width] : [width]);
  return {
    cell, x: reshapeTo(input, [batch, 1, inputs]), kernel: w, recurrentKernel: r, bias: b,
    initialState: cellState === null ? [hidden] : [hidden, cellState],
    activation: getActivation(o.activation ?? 'tanh', where), recurrentActivation: getActivation(o.recurrentActivation ?? 'sigmoid', where),
    resetAfter, goBackwards: false, zeroMaskedOutputs: false, returnSequences: false, returnState: true,
    mask: null, inputDropout: null, recurrentDropout: null, workspace: null,
  };
}

/**
 * One LSTM step (Keras' LSTMCell): gates `x·kernel + h·recurrentKernel + bias` in the order i, f, c, o;
 * `c' = f c + i tanh(g)`, `h' = o tanh(c')`. Returns `[h', c']`, differentiable in every input.
 * ```ts
 * const [h1, c1] = dn.lstmCell(x, h0, c0, kernel, recurrentKernel, bias);   // kernel [inputs, 4 * units]
 * ```
 * @param x [batch, inputs]  @param h [batch, units]  @param c [batch, units]
 * @param kernel [inputs, 4·units]  @param recurrentKernel [units, 4·units]  @param bias [4·units] or null
 */
export function lstmCell(
  x: TensorLike, h: TensorLike, c: TensorLike, kernel: TensorLike, recurrentKernel: TensorLike, bias?: TensorLike | null, options?: CellOptions,
): [Tensor, Tensor] {
  const [, hNext, cNext] = runRecurrent(cellRun('lstmCell', 'lstm', x, h, c, kernel, recurrentKernel, bias, options));
  return [hNext, cNext];
}

/**
 * One GRU step (Keras' GRUCell): gates z, r, h; `h' = z h + (1 - z) hh`. With `resetAfter` (default)
 * `hh = tanh(x·W_h + b_h + r (h·R_h + b'_h))` and the bias is [2, 3·units]; without it
 * `hh = tanh(x·W_h + (r h)·R_h + b_h)` and the bias is [3·units]. Returns h'.
 * @param x [batch, inputs]  @param h [batch, units]  @param kernel [inputs, 3·units]
 * @param recurrentKernel [units, 3·units]  @param bias [2, 3·units] (resetAfter), [3·units], or null
 */
export function gruCell(
  x: TensorLike, h: TensorLike, kernel: TensorLike, recurrentKernel: TensorLike, bias?: TensorLike | null, options?: GruCellOptions,
): Tensor {
  return runRecurrent(cellRun('gruCell', 'gru', x, h, null, kernel, recurrentKernel, bias, options))[1];
}

/**
 * One simple RNN step (Keras' SimpleRNNCell): `h' = tanh(x·kernel + h·recurrentKernel + bias)`.
 * @param x [batch, inputs]  @param h [batch, units]  @param kernel [inputs, units]
 * @param recurrentKernel [units, units]  @param bias [units] or null
 */
export function rnnCell(
  x: TensorLike, h: TensorLike, kernel: TensorLike, recurrentKernel: TensorLike, bias?: TensorLike | null, options?: CellOptions,
): Tensor {
  return runRecurrent(cellRun('rnnCell', 'simpleRnn', x, h, null, kernel, recurrentKernel, bias, options))[1];
}
