/**
 * A GraphProto in the making: unique value names, initializers (weights and constant shapes) and
 * nodes with typed attributes, as plain messages for proto.ts to encode.
 */
import { AttributeType, DataType, type AttributeProto, type NodeProto, type TensorProto } from './proto.js';

/** An attribute value: `int(3)`, `float(0.2)`, `ints([1, 1])`, `floats(...)`, `str('tanh')`, `strs([...])`. */
export type Attribute =
  | { kind: 'int'; value: number }
  | { kind: 'float'; value: number }
  | { kind: 'ints'; value: readonly number[] }
  | { kind: 'floats'; value: readonly number[] }
  | { kind: 'string'; value: string }
  | { kind: 'strings'; value: readonly string[] };

export const int = (value: number): Attribute => ({ kind: 'int', value });
export const float = (value: number): Attribute => ({ kind: 'float', value });
export const ints = (value: readonly number[]): Attribute => ({ kind: 'ints', value });
export const floats = (value: readonly number[]): Attribute => ({ kind: 'floats', value });
export const str = (value: string): Attribute => ({ kind: 'string', value });
export const strs = (value: readonly string[]): Attribute => ({ kind: 'strings', value });

const utf8 = new TextEncoder();

function attribute(name: string, a: Attribute): AttributeProto {
  switch (a.kind) {
    case 'int': return { name, type: AttributeType.INT, i: a.value };
    case 'float': return { name, type: AttributeType.FLOAT, f: a.value };
    case 'ints': return { name, type: AttributeType.INTS, ints: a.value.slice() };
    case 'floats': return { name, type: AttributeType.FLOATS, floats: a.value.slice() };
    case 'string': return { name, type: AttributeType.STRING, s: utf8.encode(a.value) };
    case 'strings': return { name, type: AttributeType.STRINGS, strings: a.value.map((s) => utf8.encode(s)) };
  }
}

/** Little-endian bytes of typed data (a copy: the platforms Dendrite runs on are little-endian). */
function rawBytes(values: Float32Array | Int32Array | BigInt64Array): Uint8Array {
  return new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength));
}

/** Builds one graph's nodes and initializers. */
export class GraphBuilder {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  private readonly used = new Set<string>();

  /** A value name not used yet: `base`, else `base_1`, `base_2`, ... */
  unique(base: string): string {
    const clean = base.length > 0 ? base : 'value';
    let name = clean;
    for (let i = 1; this.used.has(name); i++) name = `${clean}_${i}`;
    this.used.add(name);
    return name;
  }

  /** Reserves a name as is (model inputs and outputs); false when it is taken. */
  reserve(name: string): boolean {
    if (this.used.has(name)) return false;
    this.used.add(name);
    return true;
  }

  /** A float32 initializer; returns its name. */
  floatTensor(base: string, dims: readonly number[], values: Float32Array): string {
    const name = this.unique(base);
    this.initializers.push({ name, dims: dims.slice(), data_type: DataType.FLOAT, raw_data: rawBytes(values) });
    return name;
  }

  /** An int64 initializer (shapes, axes, pads); returns its name. */
  int64Tensor(base: string, values: readonly number[], dims: readonly number[] = [values.length]): string {
    const name = this.unique(base);
    this.initializers.push({ name, dims: dims.slice(), data_type: DataType.INT64, raw_data: rawBytes(BigInt64Array.from(values, (v) => BigInt(v))) });
    return name;
  }

  /** A float32 scalar initializer. */
  scalar(base: string, value: number): string {
    return this.floatTensor(base, [], Float32Array.of(value));
  }

  /**
   * Adds a node reading `inputs` (an empty string is an omitted optional input) and returns the names
   * of its `outputs` outputs, made unique from `base` (or the names given).
   */
  node(opType: string, inputs: readonly string[], base: string, attributes: Record<string, Attribute> = {}, outputs: number | readonly string[] = 1): string[] {
    const names = typeof outputs === 'number' ? Array.from({ length: outputs }, (_, i) => this.unique(outputs === 1 ? base : `${base}_${i}`)) : outputs.slice();
    this.nodes.push({
      input: inputs.slice(),
      output: names,
      name: this.unique(`${base}/${opType}`),
      op_type: opType,
      attribute: Object.entries(attributes).map(([name, a]) => attribute(name, a)),
    });
    return names;
  }

  /** `node` for the usual one-output case. */
  op(opType: string, inputs: readonly string[], base: string, attributes: Record<string, Attribute> = {}): string {
    return this.node(opType, inputs, base, attributes)[0];
  }
}
