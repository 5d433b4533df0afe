/**
 * The ONNX protobuf messages, from the official schema: `onnx.proto` beside this file is
 * onnx/onnx.proto of ONNX 1.23.0, unchanged (Apache-2.0). protobufjs parses it once, on first use,
 * and encodes and decodes `ModelProto`; nothing here writes protobuf bytes by hand.
 *
 * Field names are the schema's own (`op_type`, `raw_data`, `int64_data`, ...). Decoded int64 fields
 * come back as plain numbers (ONNX dimensions and attributes fit easily).
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { SerializationError } from '../errors.js';

/** TensorProto.DataType values Dendrite writes or reads. */
export const DataType = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7, DOUBLE: 11 } as const;

/** AttributeProto.AttributeType values. */
export const AttributeType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;

/** A TensorProto as plain data. */
export interface TensorProto {
  name?: string;
  dims?: number[];
  data_type?: number;
  raw_data?: Uint8Array;
  float_data?: number[];
  int32_data?: number[];
  int64_data?: number[];
  double_data?: number[];
}

/** An AttributeProto as plain data (one of the value fields, with its `type`). */
export interface AttributeProto {
  name: string;
  type: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: TensorProto;
  floats?: number[];
  ints?: number[];
  strings?: Uint8Array[];
}

/** A NodeProto as plain data. */
export interface NodeProto {
  input?: string[];
  output?: string[];
  name?: string;
  op_type?: string;
  domain?: string;
  attribute?: AttributeProto[];
}

/** A TensorShapeProto.Dimension: a size or a symbolic name. */
export interface Dimension {
  dim_value?: number;
  dim_param?: string;
}

/** A ValueInfoProto of a tensor as plain data. */
export interface ValueInfoProto {
  name?: string;
  type?: { tensor_type?: { elem_type?: number; shape?: { dim?: Dimension[] } } };
}

/** A GraphProto as plain data. */
export interface GraphProto {
  node?: NodeProto[];
  name?: string;
  initializer?: TensorProto[];
  input?: ValueInfoProto[];
  output?: ValueInfoProto[];
  value_info?: ValueInfoProto[];
}

/** A ModelProto as plain data. */
export interface ModelProto {
  ir_version?: number;
  opset_import?: { domain?: string; version?: number }[];
  producer_name?: string;
  producer_version?: string;
  doc_string?: string;
  graph?: GraphProto;
}

let modelType: protobuf.Type | null = null;

/** onnx.proto: beside this module (lib/ and dist/onnx/), or in ../onnx/ from the CommonJS bundle in dist/cjs/. */
function schemaText(): string {
  for (const relative of ['./onnx.proto', '../onnx/onnx.proto']) {
    const path = fileURLToPath(new URL(relative, import.meta.url));
    if (existsSync(path)) return readFileSync(path, 'utf8');
  }
  throw new SerializationError('onnx: the ONNX schema (onnx.proto) is missing from the installed package');
}

function model(): protobuf.Type {
  if (modelType === null) {
    const { root } = protobuf.parse(schemaText(), { keepCase: true });
    modelType = root.lookupType('onnx.ModelProto');
  }
  return modelType;
}

/** Encodes a model (validated against the schema first). */
export function encodeModel(message: ModelProto): Uint8Array {
  const type = model();
  const problem = type.verify(message);
  if (problem !== null) throw new SerializationError(`onnx: the model does not fit the ONNX schema: ${problem}`);
  // A copy: protobufjs may hand back a slice of a shared Buffer pool.
  return new Uint8Array(type.encode(type.fromObject(message)).finish());
}

/**
 * Decodes a model file's bytes into plain data; bytes that are not a ModelProto (truncated,
 * corrupted) are a SerializationError saying where the decoding stopped.
 */
export function decodeModel(bytes: Uint8Array, source: string): ModelProto {
  const type = model();
  let decoded: protobuf.Message;
  try {
    decoded = type.decode(bytes);
  } catch (error) {
    throw new SerializationError(`onnx: ${source} is not a valid ONNX model (truncated or corrupted protobuf: ${(error as Error).message})`, { cause: error });
  }
  // int64 fields as numbers: ONNX dimensions, attributes and indices here are far below 2^53.
  return type.toObject(decoded, { longs: Number, arrays: true, defaults: false }) as ModelProto;
}
