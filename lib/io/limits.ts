/**
 * The limits loading puts on a model it did not make, checked before the work they bound (README,
 * "Loading models you did not make"). Every model Dendrite saves is far inside them; a file outside
 * them is a SerializationError that names the limit, before anything is parsed, built or allocated.
 */
import { SerializationError } from '../errors.js';

export const LOAD_LIMITS = {
  /** Bytes of model.json (and of the model description inside a buffer from `saveToBuffer`). */
  descriptionBytes: 16 * 2 ** 20,
  /** Bytes of a safetensors file's JSON header (the description of a buffer included). */
  headerBytes: 32 * 2 ** 20,
  /** Nesting of arrays and objects in model.json or a header. */
  jsonDepth: 64,
  /** Layers in an architecture, counting those of nested models. */
  layers: 10_000,
  /** Dimensions of a stored tensor. */
  rank: 32,
} as const;

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Whether JSON text nests arrays and objects more than `limit` deep (one pass over the bytes, no
 * allocation: it runs before JSON.parse).
 */
function nestsDeeperThan(bytes: Uint8Array, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i];
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) {
      inString = true;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > limit) return true;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
    }
  }
  return false;
}

/**
 * Parses JSON text of at most `maxBytes` bytes nested at most {@link LOAD_LIMITS.jsonDepth} deep;
 * `what` names it in the SerializationError (prefixed by `where`) otherwise.
 */
export function parseBoundedJson(where: string, what: string, text: Uint8Array | string, maxBytes: number): unknown {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  if (bytes.length > maxBytes) {
    throw new SerializationError(`${where}: ${what} is ${bytes.length} bytes, more than the ${maxBytes} a model may have`);
  }
  if (nestsDeeperThan(bytes, LOAD_LIMITS.jsonDepth)) {
    throw new SerializationError(`${where}: ${what} nests arrays and objects more than ${LOAD_LIMITS.jsonDepth} deep`);
  }
  try {
    return JSON.parse(typeof text === 'string' ? text : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8'));
  } catch (error) {
    throw new SerializationError(`${where}: ${what} is not valid JSON (${(error as Error).message.slice(0, 200)}): corrupted or truncated`);
  }
}

/** The layers an architecture lists (in every `layers` array, nested models' included). */
export function countLayers(value: unknown, depth = 0): number {
  if (value === null || typeof value !== 'object' || depth > LOAD_LIMITS.jsonDepth) return 0;
  let count = 0;
  if (Array.isArray(value)) {
    for (const item of value) count += countLayers(item, depth + 1);
    return count;
  }
  for (const [key, item] of Object.entries(value)) {
    if (key === 'layers' && Array.isArray(item)) count += item.length;
    count += countLayers(item, depth + 1);
  }
  return count;
}
