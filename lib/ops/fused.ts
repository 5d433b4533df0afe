/**
 * The shared pattern of layers whose linear part (a matrix product, a convolution) is one native call
 * with the bias and an elementwise activation fused into its epilogue: Dense, the convolutions.
 *
 * At inference, or when the activation's derivative comes from its output (relu, sigmoid, tanh, ...),
 * the whole layer is that one call. An activation whose derivative needs its input (gelu, swish,
 * softplus) runs as one more call after it, keeping the pre-activation; softmax and custom activation
 * functions run after it as ordinary ops. Weight gradients are accumulated straight into the weights'
 * `.grad` buffers (see autograd/leaf-grad.ts), so no gradient is copied.
 */
import { binding } from '../native.js';
import { allocateStorage, makeTensor, shapeSize, type Tensor } from '../tensor.js';
import { recordOp } from '../autograd/engine.js';
import { contiguous } from './shape.js';
import type { Activation } from '../activations.js';
import type { Workspace } from '../layers/layer.js';

const LINEAR = binding.opCodes.unary.linear;

/** A Float32Array of `length` elements: the workspace's buffer `key`, or a fresh one. */
export function buffer(workspace: Workspace | null, key: string, length: number): Float32Array {
  return workspace === null ? (allocateStorage('float32', length) as Float32Array) : workspace.floats(key, length);
}

/** A linear op whose epilogue can add the bias and apply an elementwise activation. */
export interface FusedOp {
  /** The output's shape. */
  shape: readonly number[];
  /** Runs the op into `out` with the epilogue's activation `code` (a unary op code; linear for none) and its parameter. */
  run(out: Float32Array, code: number, param: number): void;
  /**
   * Records the op's node on `output`: its backward gets the gradient at the pre-activation from
   * `gradient(grad)` (the output's gradient through the fused activation, when there is one).
   */
  record(output: Tensor, gradient: (grad: Tensor) => Float32Array): Tensor;
}

/**
 * Runs `op` followed by `activation` (null: none, as when the model asks for logits) in as few native
 * calls as the activation allows, recording gradients when `recording`. Buffers come from `workspace`
 * (keys 'y', 'z', 'dz', 'dpre'), so a training step reuses them.
 */
export function applyFused(op: FusedOp, activation: Activation | null, recording: boolean, workspace: Workspace | null): Tensor {
  const size = shapeSize(op.shape);
  const code = activation === null ? LINEAR : activation.unaryCode;
  const param = activation === null ? 0 : activation.param;
  if (code !== null && (!recording || code === LINEAR || activation!.gradFromOutput)) {
    // The whole layer in one call; the derivative (if needed) comes from the output.
    const y = buffer(workspace, 'y', size);
    if (size > 0) op.run(y, code, param);
    const output = makeTensor(y, op.shape);
    return recording ? op.record(output, throughActivation(code, param, y, workspace)) : output;
  }
  // The linear part in one call; the activation after it (its derivative needs the pre-activation).
  const z = buffer(workspace, 'z', size);
  if (size > 0) op.run(z, LINEAR, 0);
  let pre = makeTensor(z, op.shape);
  if (recording) pre = op.record(pre, throughActivation(LINEAR, 0, z, workspace));
  if (code !== null) {
    // Elementwise with a derivative from the input: y = f(z) with z kept for unaryGrad.
    const y = buffer(workspace, 'y', size);
    if (size > 0) binding.unary(code, param, z, y, size);
    const output = makeTensor(y, op.shape);
    return recording ? recordActivation(output, pre, code, param, z, workspace) : output;
  }
  const last = op.shape[op.shape.length - 1];
  if (!recording && activation!.name === 'softmax' && activation!.getConfig().axis === undefined) {
    // Inference: the softmax in place over the rows, one more call and no copy.
    if (size > 0) binding.softmax(z, z, size / last, last, false);
    return pre;
  }
  return activation!.apply(pre);
}

/** The gradient at the pre-activation from the output's gradient, through a fused activation whose derivative comes from y. */
function throughActivation(code: number, param: number, y: Float32Array, workspace: Workspace | null): (grad: Tensor) => Float32Array {
  return (grad) => {
    const dy = contiguous(grad).storage as Float32Array;
    if (code === LINEAR) return dy;
    const dz = buffer(workspace, 'dz', dy.length);
    if (dz.length > 0) binding.unaryGrad(code, param, null, y, dy, dz, dz.length);
    return dz;
  };
}

/** Records `y = f(z)` for an elementwise activation whose derivative needs z. */
function recordActivation(output: Tensor, pre: Tensor, code: number, param: number, z: Float32Array, workspace: Workspace | null): Tensor {
  const y = output.storage as Float32Array;
  return recordOp('activation', output, [pre], (grad) => {
    const dy = contiguous(grad).storage as Float32Array;
    const dz = buffer(workspace, 'dpre', dy.length);
    if (dz.length > 0) binding.unaryGrad(code, param, z, y, dy, dz, dz.length);
    return [makeTensor(dz, pre.shape)];
  });
}
