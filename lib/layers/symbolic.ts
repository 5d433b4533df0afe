/**
 * Symbolic tensors and nodes: what a functional model is built from.
 *
 * `dn.input({ shape })` returns a {@link SymbolicTensor}: a placeholder with a shape (batch `null`)
 * and a dtype but no data. Applying a layer to symbolic tensors builds the layer for their shapes
 * and records the call as a {@link Node}: the layer, the symbolic tensors it took (each knowing the
 * node that produced it) and the symbolic tensors it returned. `dn.model({ inputs, outputs })`
 * walks these nodes back from the outputs to the inputs, once, and orders them into the steps the
 * model runs. A layer applied twice has two nodes and one set of weights.
 */
import { ArgumentTypeError } from '../errors.js';
import type { DType } from '../tensor.js';
import { describe } from '../validate.js';
import type { AnyLayer, Shape } from './layer.js';

const inspectCustom = Symbol.for('nodejs.util.inspect.custom');
let nextNodeId = 0;

/**
 * A placeholder for a tensor in a graph of layers: its shape (batch dimension `null`) and dtype,
 * and the call of a layer that produces it. Create one with `dn.input`; layers applied to it
 * return more.
 */
export class SymbolicTensor {
  /** The shape, batch dimension first (as `null`). */
  readonly shape: Shape;
  /** The dtype of the data it stands for. */
  readonly dtype: DType;
  /** @internal The layer call that produces it. */
  readonly node: Node;
  /** @internal Which of the node's outputs it is. */
  readonly outputIndex: number;

  /** @internal Made by layers applied to symbolic tensors (see `Layer.apply`). */
  constructor(shape: Shape, dtype: DType, node: Node, outputIndex: number) {
    this.shape = shape;
    this.dtype = dtype;
    this.node = node;
    this.outputIndex = outputIndex;
  }

  /** The layer that produces it. */
  get sourceLayer(): AnyLayer {
    return this.node.layer;
  }

  /** The number of dimensions (with the batch). */
  get rank(): number {
    return this.shape.length;
  }

  /**
   * A name for messages: the producing layer's name, or `layer[node][output]` (as the summary's
   * "Connected to" column writes it) for a layer's later calls or several outputs.
   */
  get name(): string {
    const node = this.node;
    if (node.index === 0 && node.outputs.length === 1 && !node.listOutput) return node.layer.name;
    return `${node.layer.name}[${node.index}][${this.outputIndex}]`;
  }

  toString(): string {
    return `SymbolicTensor(${this.name}, [${this.shape.map((d) => (d === null ? 'null' : d)).join(', ')}], ${this.dtype})`;
  }

  [inspectCustom](): string {
    return this.toString();
  }
}

/**
 * One call of a layer on symbolic tensors: its inputs (each produced by another node, or by an
 * input layer) and its outputs. Nodes are what a model's graph is made of, and what a saved model
 * records as each layer's inbound connections.
 */
export class Node {
  /** The layer called. */
  readonly layer: AnyLayer;
  /** The symbolic tensors it was applied to. */
  readonly inputs: readonly SymbolicTensor[];
  /** Whether the layer was applied to an array (it then receives an array, even of one tensor). */
  readonly listInput: boolean;
  /** The symbolic tensors it returned. */
  readonly outputs: readonly SymbolicTensor[];
  /** Whether the layer returned an array (of any length) rather than one tensor. */
  readonly listOutput: boolean;
  /** The position of this call among the layer's calls (`layer.inboundNodes`). */
  readonly index: number;
  /** @internal Creation order: a node's inputs were always made before it, so this orders a graph. */
  readonly id: number;

  /** @internal Records a call of `layer`: registers itself with the layer and makes the outputs. */
  constructor(layer: AnyLayer, inputs: readonly SymbolicTensor[], listInput: boolean, outputShape: Shape | Shape[], dtype: DType = 'float32') {
    this.layer = layer;
    this.inputs = inputs.slice();
    this.listInput = listInput;
    this.listOutput = outputShape.length > 0 && Array.isArray(outputShape[0]);
    const shapes = this.listOutput ? (outputShape as Shape[]) : [outputShape as Shape];
    this.outputs = shapes.map((shape, i) => new SymbolicTensor(shape.slice(), dtype, this, i));
    this.index = layer.inboundNodes.length;
    this.id = nextNodeId++;
    layer.inboundNodes.push(this);
  }
}

/**
 * The symbolic tensors in `value` (one, or an array of them), or null when `value` holds none (it
 * is data). An array mixing symbolic tensors with data is an ArgumentTypeError naming `where`.
 */
export function symbolicInputs(where: string, value: unknown): SymbolicTensor[] | null {
  if (value instanceof SymbolicTensor) return [value];
  if (!Array.isArray(value) || !value.some((v) => v instanceof SymbolicTensor)) return null;
  value.forEach((v, i) => {
    if (!(v instanceof SymbolicTensor)) {
      throw new ArgumentTypeError(`${where}: inputs[${i}] must be a symbolic tensor like the others (from dn.input or a layer applied to one), got ${describe(v)}`);
    }
  });
  return value as SymbolicTensor[];
}
