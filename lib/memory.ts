/**
 * Tensor memory: where tensor storage comes from, the allocator cache behind it, and
 * {@link memory} / {@link setMemoryOptions}.
 *
 * Storage is a typed array over an ArrayBuffer that V8 takes from the C allocator (malloc) and hands
 * back when the garbage collector collects it. A loop that makes a fresh 256 KiB result per op used
 * to pay more for that memory than for the op: the allocator gave every freed block above 128 KiB
 * back to the operating system, so each new result faulted in and zero-filled fresh pages (a 256^3
 * matmul ran 4-6x slower than into a reused `out` on one CPU). Two things fix it:
 *
 *  - **The allocator cache** (native/runtime/memory_cache.cc): the allocator is told to serve blocks
 *    up to 32 MiB from its heap and to keep up to `cacheLimit` bytes of freed memory, so its
 *    size-binned free lists hand a freed block of the same size to the next result, already resident.
 *    Idle for `idleTrimMs`, the cache is trimmed (its free pages go back to the operating system).
 *    Only V8 knows when a buffer dies, so the blocks themselves stay V8's: no block can be handed out
 *    while anything still views it. (A pool of native blocks behind external ArrayBuffers was measured
 *    and rejected: Node-API runs their finalizers on a later turn of the event loop, never inside
 *    synchronous code, so a synchronous loop never got a block back and its memory grew without bound;
 *    even with an event-loop turn every 50 ops it cost 43 us of CPU per 256 KiB block against 15 here.)
 *  - **No zero-fill for storage an op overwrites entirely**: op outputs come from
 *    {@link allocateUninitialized} (`Buffer.allocUnsafeSlow` memory); zeros are only written where
 *    zeros are the contract (`dn.zeros`, {@link allocateStorage}).
 *
 * V8 accounts every ArrayBuffer's bytes itself: it runs a minor collection (a scavenge, about a
 * millisecond) each time about 32 MiB of young buffers have been allocated, and nothing here adds
 * to that, so a loop of 256 KiB results collects once per ~128 ops.
 *
 * Tensors up to 16 KiB are carved from shared slabs instead (see `carve`).
 */
import { Buffer } from 'node:buffer';
import * as v8 from 'node:v8';
import { NativeError, ValueError } from './errors.js';
import { binding } from './native.js';
import { checkBoolean, checkInteger, checkOptions, MAX_TENSOR_SIZE } from './validate.js';

type Dtype = 'float32' | 'int32';
type Storage = Float32Array | Int32Array;

// ---------------------------------------------------------------------------------------------
// Options.

/** Options of {@link setMemoryOptions}; each one left out keeps its current value. */
export interface MemoryOptions {
  /**
   * Keep freed tensor memory in the allocator for reuse, and leave storage an op overwrites
   * uninitialized (default true; `DENDRITE_MEMORY_CACHE=0` turns it off at start). Off, every
   * storage is a new zero-filled typed array and the allocator keeps its default policy.
   */
  cache?: boolean;
  /**
   * The most freed memory, in bytes, the cache keeps at the top of the allocator's heap before it
   * gives the excess back at once (default 256 MiB; `DENDRITE_MEMORY_CACHE_MB` sets it in MiB at start).
   */
  cacheLimit?: number;
  /**
   * After this many milliseconds without a tensor allocation from the C allocator (storage above
   * 16 KiB, or a new 256 KiB slab), the cache is trimmed: its free pages go back to the operating
   * system (default 5000; 0 never trims).
   */
  idleTrimMs?: number;
  /**
   * Fill storage that an op is about to overwrite with NaN (int32: -2^31) first: a debugging aid, so an
   * op that failed to write some element shows NaN instead of stale memory (default false).
   */
  fillUninitialized?: boolean;
}

/** What {@link memory} reports. */
export interface MemoryInfo {
  /**
   * Tensors alive (reachable from the program; views count as tensors), counted by V8 after a full
   * garbage collection; null where the runtime cannot count them (Node < 20.13).
   */
  numTensors: number | null;
  /**
   * Bytes of ArrayBuffer memory alive after that collection: tensor storage, and any other typed
   * array or Buffer of the process (Node's `process.memoryUsage().arrayBuffers`).
   */
  numBytes: number;
  /**
   * Freed memory the allocator holds for reuse, resident (an estimate from the allocator's own count;
   * 0 when the cache is off or unavailable).
   */
  numBytesCached: number;
  /** Whether the cache is on. */
  cache: boolean;
  /** The cap on cached memory at the top of the heap, in bytes. */
  cacheLimit: number;
  /** True when a figure is approximate; `reasons` says why. */
  unreliable: boolean;
  /** Why the figures are approximate (empty when they are not). */
  reasons: string[];
}

const MIB = 2 ** 20;
const DEFAULT_CACHE_LIMIT = 256 * MIB;
const DEFAULT_IDLE_TRIM_MS = 5000;
// setTimeout's largest delay.
const MAX_IDLE_TRIM_MS = 2 ** 31 - 1;
const MAX_CACHE_LIMIT = 2 ** 50;

/** @internal Reads DENDRITE_MEMORY_CACHE (0 or 1) and DENDRITE_MEMORY_CACHE_MB (a whole number of MiB). */
export function environmentOptions(env: NodeJS.ProcessEnv): { cache: boolean; cacheLimit: number } {
  let cache = true;
  const flag = env.DENDRITE_MEMORY_CACHE;
  if (flag !== undefined && flag !== '') {
    if (flag !== '0' && flag !== '1') throw new ValueError(`DENDRITE_MEMORY_CACHE: expected 0 or 1, got '${flag}'`);
    cache = flag === '1';
  }
  let cacheLimit = DEFAULT_CACHE_LIMIT;
  const megabytes = env.DENDRITE_MEMORY_CACHE_MB;
  if (megabytes !== undefined && megabytes !== '') {
    const value = Number(megabytes);
    if (!/^\d+$/.test(megabytes) || value * MIB > MAX_CACHE_LIMIT) {
      throw new ValueError(`DENDRITE_MEMORY_CACHE_MB: expected a whole number of MiB from 0 to ${MAX_CACHE_LIMIT / MIB}, got '${megabytes}'`);
    }
    cacheLimit = value * MIB;
  }
  return { cache, cacheLimit };
}

const initial = environmentOptions(process.env);
let cacheOn = initial.cache;
let cacheLimit = initial.cacheLimit;
let idleTrimMs = DEFAULT_IDLE_TRIM_MS;
let fillUninitialized = false;
// Whether the allocator could be configured (glibc); the no-zero-fill half of the cache works anywhere.
let allocatorCache = cacheOn ? binding.configureMemoryCache(true, cacheLimit) : false;

/**
 * Tunes or turns off the tensor memory cache (see {@link MemoryOptions}). The allocator is the
 * process's: the last setting made by any worker_thread holds for all.
 * ```ts
 * dn.setMemoryOptions({ cacheLimit: 64 * 2 ** 20 });   // keep at most 64 MiB of freed memory
 * dn.setMemoryOptions({ cache: false });               // fresh zero-filled storage, as plain typed arrays
 * ```
 */
export function setMemoryOptions(options: MemoryOptions): void {
  const where = 'setMemoryOptions';
  const o = checkOptions<MemoryOptions>(where, options, ['cache', 'cacheLimit', 'idleTrimMs', 'fillUninitialized']);
  const cache = o.cache === undefined ? cacheOn : checkBoolean(where, 'cache', o.cache);
  const limit = o.cacheLimit === undefined ? cacheLimit : checkInteger(where, 'cacheLimit', o.cacheLimit, 0, MAX_CACHE_LIMIT);
  if (o.idleTrimMs !== undefined) idleTrimMs = checkInteger(where, 'idleTrimMs', o.idleTrimMs, 0, MAX_IDLE_TRIM_MS);
  if (o.fillUninitialized !== undefined) fillUninitialized = checkBoolean(where, 'fillUninitialized', o.fillUninitialized);
  if (cache !== cacheOn || limit !== cacheLimit) {
    allocatorCache = binding.configureMemoryCache(cache, limit) && cache;
    // Turned off: what the cache held goes back now, as it would have without it.
    if (!cache && cacheOn) trimCache();
    cacheOn = cache;
    cacheLimit = limit;
  }
}

/**
 * Gives the memory the cache holds back to the operating system now (it happens by itself after
 * `idleTrimMs` without allocations). Tensors alive keep their data.
 */
export function trimMemory(): void {
  trimCache();
}

// The allocator's free bytes right after the last trim: their pages went back to the operating system
// but the allocator still counts them. Allocations since the trim take such blocks first (and fault
// them back in), so memory() counts as resident what is free beyond what the trim left minus what
// has been allocated since: an estimate, from two cheap counters.
let freeBytesAfterTrim = 0;
let bytesAllocatedSinceTrim = 0;

function trimCache(): void {
  binding.trimMemoryCache();
  freeBytesAfterTrim = binding.memoryCacheStats().freeBytes;
  bytesAllocatedSinceTrim = 0;
}

// ---------------------------------------------------------------------------------------------
// The idle trim: armed by an allocation, it fires after idleTrimMs; if nothing was allocated
// meanwhile it trims, otherwise it waits another period. Unref'd, so it never keeps a process alive.

let allocationsSinceCheck = 0;
let trimTimer: ReturnType<typeof setTimeout> | null = null;

function onIdleCheck(): void {
  trimTimer = null;
  if (allocationsSinceCheck === 0) {
    if (cacheOn) trimCache();
    return;
  }
  allocationsSinceCheck = 0;
  armIdleTrim();
}

function armIdleTrim(): void {
  if (idleTrimMs === 0) return;
  trimTimer = setTimeout(onIdleCheck, idleTrimMs);
  trimTimer.unref();
}

// ---------------------------------------------------------------------------------------------
// Allocation.

// A small typed array created with `new Float32Array(n)` lives on the V8 heap; the first time it
// crosses into native code V8 must move it off the heap, which costs more than the op itself
// (measured: ~450 ns of a ~600 ns tiny op). And every ArrayBuffer of its own costs a call into C++
// to make and a finalization to free (~1 us each: a fifth of a 64^3 matmul on one CPU). Small tensors
// are therefore carved from shared slabs, the way Node's Buffer pool does it: up to 2 KiB from 32 KiB
// slabs, up to 16 KiB from 256 KiB slabs. A slab is freed when no tensor views it any more; a
// long-lived small tensor can keep at most one slab of its class alive (32 KiB or 256 KiB).
interface SlabClass {
  /** Largest storage carved from this class's slabs, in bytes. */
  maxBytes: number;
  slabBytes: number;
  slab: ArrayBuffer;
  offset: number;
  /** Whether the current slab was zero-filled when it was made (carved arrays need no zeroing then). */
  zeroed: boolean;
}
const SLAB_CLASSES: SlabClass[] = [
  { maxBytes: 2048, slabBytes: 32 * 1024 },
  { maxBytes: 16 * 1024, slabBytes: 256 * 1024 },
].map(({ maxBytes, slabBytes }) => ({ maxBytes, slabBytes, slab: new ArrayBuffer(0), offset: slabBytes, zeroed: true }));
/** Storage of at most this many bytes is carved from a slab. */
export const SLAB_MAX_BYTES = SLAB_CLASSES[SLAB_CLASSES.length - 1].maxBytes;
// 64-byte alignment: an AVX-512 vector per cache line, so small kernels never straddle lines.
const SLAB_ALIGN = 64;

function carve(dtype: Dtype, length: number, zeroed: boolean): Storage {
  const bytes = length * 4;
  const c = bytes <= SLAB_CLASSES[0].maxBytes ? SLAB_CLASSES[0] : SLAB_CLASSES[1];
  if (c.offset + bytes > c.slabBytes) {
    c.zeroed = !cacheOn;
    c.slab = c.zeroed ? new ArrayBuffer(c.slabBytes) : Buffer.allocUnsafeSlow(c.slabBytes).buffer;
    c.offset = 0;
    if (c.slabBytes > SLAB_CLASSES[0].slabBytes) noteLargeAllocation(c.slabBytes);
  }
  const storage = dtype === 'float32' ? new Float32Array(c.slab, c.offset, length) : new Int32Array(c.slab, c.offset, length);
  // Slab bytes are never handed out twice: an uninitialized slab's bytes are fresh malloc memory.
  c.offset += (bytes + SLAB_ALIGN - 1) & ~(SLAB_ALIGN - 1);
  if (!c.zeroed) {
    if (zeroed) storage.fill(0);
    else if (fillUninitialized) fillGarbage(storage);
  }
  return storage;
}

function fillGarbage(storage: Storage): void {
  storage.fill(storage instanceof Float32Array ? NaN : -(2 ** 31));
}

/**
 * A typed array of `length` elements of `dtype`: zero-filled when `zeroed`, otherwise holding
 * whatever the memory held (the caller writes every element). More elements than a tensor may hold
 * is a ValueError, an allocation the system refuses a NativeError: never a raw RangeError (a batch
 * too large for memory reaches here from predict and fit).
 */
function allocate(dtype: Dtype, length: number, zeroed: boolean): Storage {
  const bytes = length * 4;
  if (bytes <= SLAB_MAX_BYTES) return carve(dtype, length, zeroed);
  if (length > MAX_TENSOR_SIZE) {
    throw new ValueError(`cannot allocate a tensor of ${length} elements, more than the ${MAX_TENSOR_SIZE} a tensor may hold (a smaller batch needs less)`);
  }
  try {
    return allocateLarge(dtype, length, zeroed);
  } catch (error) {
    throw new NativeError(`out of memory for a tensor of ${length} ${dtype} elements (${bytes} bytes): ${(error as Error).message}`);
  }
}

/** Counts an allocation from the C allocator for the idle trim and {@link memory}'s estimate. */
function noteLargeAllocation(bytes: number): void {
  if (!cacheOn) return;
  bytesAllocatedSinceTrim += bytes;
  if (++allocationsSinceCheck === 1 && trimTimer === null) armIdleTrim();
}

/** {@link allocate} of more than a slab carves: from the C allocator (and its cache when on). */
function allocateLarge(dtype: Dtype, length: number, zeroed: boolean): Storage {
  const bytes = length * 4;
  if (!cacheOn) return dtype === 'float32' ? new Float32Array(length) : new Int32Array(length);
  noteLargeAllocation(bytes);
  if (zeroed) return dtype === 'float32' ? new Float32Array(length) : new Int32Array(length);
  // A Buffer of its own (never Node's shared pool), from malloc without zeroing.
  const buffer = Buffer.allocUnsafeSlow(bytes).buffer;
  const storage = dtype === 'float32' ? new Float32Array(buffer, 0, length) : new Int32Array(buffer, 0, length);
  if (fillUninitialized) fillGarbage(storage);
  return storage;
}

/** A zero-filled typed array of `length` elements of `dtype` (small ones carved from a shared slab). */
export function allocateStorage(dtype: Dtype, length: number): Storage {
  return allocate(dtype, length, true);
}

/**
 * A typed array of `length` elements of `dtype` whose contents are unspecified: for storage the
 * caller overwrites entirely (an op's output), so no time goes into zero-filling it first.
 */
export function allocateUninitialized(dtype: Dtype, length: number): Storage {
  return allocate(dtype, length, false);
}

// ---------------------------------------------------------------------------------------------
// dn.memory().

type Constructor = abstract new (...args: never[]) => unknown;
type QueryObjects = (constructor: Constructor, options: { format: 'count' }) => number;

// The Tensor class, handed over by tensor.ts when it loads (this module cannot import it: tensor.ts
// imports the allocation functions above, and every op module imports tensor.ts).
let tensorClass: Constructor | null = null;

/** @internal Called once by tensor.ts with the class whose instances {@link memory} counts. */
export function registerTensorClass(constructor: Constructor): void {
  tensorClass = constructor;
}

/**
 * Counts the live instances of `constructor` with V8 (after a full collection), or null where Node
 * cannot. The one-time "experimental feature" warning Node prints for it is about this library's
 * internal use, so it is not passed on.
 */
function countInstances(constructor: Constructor): number | null {
  const query = (v8 as unknown as { queryObjects?: QueryObjects }).queryObjects;
  if (typeof query !== 'function') return null;
  const emitWarning = process.emitWarning;
  process.emitWarning = function filtered(this: unknown, warning: string | Error, ...rest: unknown[]) {
    const text = typeof warning === 'string' ? warning : warning.message;
    if (text.startsWith('v8.queryObjects')) return;
    return (emitWarning as (...args: unknown[]) => void).call(process, warning, ...rest);
  } as typeof process.emitWarning;
  try {
    return query(constructor, { format: 'count' });
  } catch {
    return null;
  } finally {
    process.emitWarning = emitWarning;
  }
}

/**
 * Tensor memory right now, in the shape of TensorFlow.js's `tf.memory()`: tensors alive, bytes in
 * use, bytes the cache holds. Tensors are freed by the garbage collector (there is no dispose()),
 * so to count only live ones this runs a full garbage collection first: milliseconds, or more with
 * a large heap. Call it to check for leaks (say once an epoch), not on every step.
 * ```ts
 * const { numTensors, numBytes, numBytesCached } = dn.memory();
 * ```
 */
export function memory(): MemoryInfo {
  const reasons: string[] = [];
  const numTensors = tensorClass === null ? null : countInstances(tensorClass);
  if (numTensors === null) {
    reasons.push('this Node version cannot count live objects (v8.queryObjects needs Node >= 20.13): numTensors is null and numBytes includes garbage not yet collected');
  }
  const stats = binding.memoryCacheStats();
  const notResident = Math.max(0, freeBytesAfterTrim - bytesAllocatedSinceTrim);
  if (cacheOn && !stats.available) reasons.push('the C allocator of this platform or build cannot be configured (not glibc, or an AddressSanitizer build, which never caches): freed memory is cached only as the allocator itself does');
  return {
    numTensors,
    numBytes: process.memoryUsage().arrayBuffers,
    numBytesCached: cacheOn && allocatorCache ? Math.max(0, stats.freeBytes - notResident) : 0,
    cache: cacheOn,
    cacheLimit,
    unreliable: reasons.length > 0,
    reasons,
  };
}
