/**
 * Data pipelines: `dn.data.dataset(...)`, lazily evaluated and async-iterable, in the style of
 * TensorFlow.js's `tf.data` (and Python's tf.data). Nothing is read or computed until the dataset is
 * iterated; each iteration (`for await`, `toArray`, an epoch of `fit`) is a fresh pass from the
 * source, so a dataset of a CSV file larger than memory streams it anew each epoch.
 *
 * ```ts
 * const train = dn.data.dataset({ xs: xTrain, ys: yTrain }).shuffle(1000, { seed: 1 }).batch(32);
 * for await (const { xs, ys } of train) { ... }        // xs: [32, features], ys: [32]
 * await model.fit(train, { epochs: 10 });
 * ```
 */
import { ArgumentTypeError, ValueError } from '../errors.js';
import { Tensor, type TensorLike } from '../tensor.js';
import { Generator, random } from '../random.js';
import { checkBoolean, checkFunction, checkInteger, checkOptions, checkPositiveInteger, typeError } from '../validate.js';
import { batchElements, isPlainObject, sliceRow, toSliceTree, type Batched, type DatasetElement, type LeavesToTensors } from './elements.js';

export type { Batched, DatasetElement, DatasetLeaf } from './elements.js';

/** Options of {@link Dataset.shuffle}. */
export interface ShuffleOptions {
  /**
   * Seed of the shuffling: a dataset shuffled with a seed yields the same sequence of orders (one per
   * pass) every time the program runs. Default: drawn from the global generator at the start of
   * each pass, so `dn.seed(n)` makes it reproducible too.
   */
  seed?: number;
  /** Draw a new order for each pass (each epoch). Default true; false repeats the first pass's order. */
  reshuffleEachIteration?: boolean;
}

/** Options of {@link Dataset.batch}. */
export interface BatchOptions {
  /** Drop a last batch smaller than `batchSize` (tf.data's `drop_remainder`). Default false: keep it. */
  dropRemainder?: boolean;
}

/** A source of rows to slice: a tensor-like, or an array or plain object of them. */
export type SliceSource = TensorLike | readonly SliceSource[] | { readonly [key: string]: SliceSource };

/** The elements of a dataset sliced from `S`: each tensor-like becomes one row, a Tensor. */
export type Sliced<S> = LeavesToTensors<S, Tensor | number | boolean | ArrayLike<number>>;

/** Something that yields the elements of one pass. */
type Source<T> = Iterable<T> | AsyncIterable<T> | Iterator<T> | AsyncIterator<T>;

/** @internal Guards the constructor: datasets are made by the factories, the operators and subclasses in lib/data. */
export const CREATE = Symbol('Dataset.create');

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null && (typeof value === 'object' || typeof value === 'function') && typeof (value as { then?: unknown }).then === 'function';
}

/** The number of elements after combining, with `null` for unknown and Infinity for endless. */
function sizeOf(size: number | null): string {
  return size === null ? 'an unknown number of' : size === Infinity ? 'endless' : String(size);
}

/**
 * A lazily evaluated sequence of elements, async-iterable. Build one with {@link dataset},
 * {@link array}, {@link generator}, {@link zip} or `dn.data.csv`; every operator returns a new
 * dataset and leaves this one unchanged.
 *
 * An element is a Tensor, a number, a typed array, or an array or plain object of elements
 * (`{ xs, ys }`, `[user, item]`). `batch` stacks each leaf across elements, keeping the structure.
 */
export class Dataset<T = DatasetElement> implements AsyncIterable<T> {
  /**
   * The number of elements, when known without iterating: Infinity for an endless dataset
   * (`repeat()` without a count), null when unknown (a generator, a CSV file, after `filter`).
   */
  readonly size: number | null;
  private readonly open: () => AsyncIterator<T>;

  /** @internal Datasets are created by `dn.data.dataset()` and the other factories. */
  constructor(token: typeof CREATE, open: () => AsyncIterator<T>, size: number | null) {
    if (token !== CREATE) {
      throw new ArgumentTypeError('Dataset: create a dataset with dn.data.dataset(), dn.data.array(), dn.data.generator() or dn.data.csv()');
    }
    this.open = open;
    this.size = size;
  }

  /** A fresh pass over the elements (what `for await` uses). */
  [Symbol.asyncIterator](): AsyncIterator<T> {
    return this.open();
  }

  /** A fresh pass over the elements, as TensorFlow.js's `dataset.iterator()`: call `await it.next()`. */
  async iterator(): Promise<AsyncIterator<T>> {
    return this.open();
  }

  /**
   * Applies `fn` to every element (it may return a Promise, as TensorFlow.js's `mapAsync`).
   * ```ts
   * csvRows.map(({ xs, ys }) => ({ xs: xs.div(255), ys }))
   * ```
   */
  map<U>(fn: (element: T) => U | Promise<U>): Dataset<U> {
    const where = 'Dataset.map';
    checkFunction(where, 'fn', fn);
    const upstream = this;
    return new Dataset<U>(CREATE, async function* mapped() {
      let index = 0;
      for await (const element of upstream) {
        const result = fn(element);
        const value = (isThenable(result) ? await result : result) as U;
        if (value === undefined) throw new ValueError(`${where}: the function returned undefined for element ${index}; it must return the new element`);
        index++;
        yield value;
      }
    }, this.size);
  }

  /** Keeps the elements for which `predicate` returns true (it may return a Promise of a boolean). */
  filter(predicate: (element: T) => boolean | Promise<boolean>): Dataset<T> {
    const where = 'Dataset.filter';
    checkFunction(where, 'predicate', predicate);
    const upstream = this;
    return new Dataset<T>(CREATE, async function* filtered() {
      let index = 0;
      for await (const element of upstream) {
        const result = predicate(element);
        const keep = isThenable(result) ? await result : result;
        if (typeof keep !== 'boolean') typeError(where, `the predicate's result for element ${index}`, 'a boolean', keep);
        index++;
        if (keep) yield element;
      }
    }, this.size === Infinity ? Infinity : null);
  }

  /**
   * Shuffles with a buffer of `bufferSize` elements, as tf.data does: the buffer fills from the
   * source, each element out is drawn at random from it and its place taken by the next one in. A
   * buffer at least as large as the dataset gives a uniform shuffle; a smaller one shuffles locally
   * but holds only `bufferSize` elements in memory (for data that does not fit).
   * ```ts
   * dataset.shuffle(10000, { seed: 42 })    // the same orders on every run
   * ```
   */
  shuffle(bufferSize: number, options?: ShuffleOptions): Dataset<T> {
    const where = 'Dataset.shuffle';
    checkPositiveInteger(where, 'bufferSize', bufferSize);
    const o = checkOptions<ShuffleOptions>(where, options, ['seed', 'reshuffleEachIteration']);
    const seed = o.seed === undefined ? undefined : checkInteger(where, 'seed', o.seed, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
    const reshuffle = o.reshuffleEachIteration === undefined ? true : checkBoolean(where, 'reshuffleEachIteration', o.reshuffleEachIteration);
    // Each pass forks its own stream from `passes`, so the sequence of orders depends only on the seed.
    const passes = seed === undefined ? null : new Generator(seed);
    let firstPassSeed: number | null = null;
    const upstream = this;
    return new Dataset<T>(CREATE, async function* shuffled() {
      let generator: Generator;
      if (reshuffle) {
        generator = (passes ?? random).fork();
      } else {
        // Every pass replays the first one's order.
        firstPassSeed ??= (passes ?? random).nextUint32();
        generator = new Generator(firstPassSeed);
      }
      const buffer: T[] = [];
      for await (const element of upstream) {
        if (buffer.length < bufferSize) {
          buffer.push(element);
          continue;
        }
        const pick = generator.integer(0, bufferSize);
        const out = buffer[pick];
        buffer[pick] = element;
        yield out;
      }
      generator.shuffle(buffer);
      while (buffer.length > 0) yield buffer.pop() as T;
    }, this.size);
  }

  /**
   * Groups consecutive elements into batches of `batchSize`, stacking each leaf (tensors gain a
   * leading batch dimension; numbers become a float32 vector) and keeping the structure:
   * `{ xs: [f], ys: [] }` elements give `{ xs: [batch, f], ys: [batch] }`. The last batch may be
   * smaller unless `dropRemainder`.
   */
  batch(batchSize: number, options?: BatchOptions): Dataset<Batched<T>> {
    const where = 'Dataset.batch';
    checkPositiveInteger(where, 'batchSize', batchSize);
    const o = checkOptions<BatchOptions>(where, options, ['dropRemainder']);
    const dropRemainder = o.dropRemainder === undefined ? false : checkBoolean(where, 'dropRemainder', o.dropRemainder);
    const upstream = this;
    const size = this.size;
    return new Dataset<Batched<T>>(CREATE, async function* batched() {
      let pending: T[] = [];
      for await (const element of upstream) {
        pending.push(element);
        if (pending.length === batchSize) {
          const batch = batchElements(where, pending) as Batched<T>;
          pending = [];
          yield batch;
        }
      }
      if (pending.length > 0 && !dropRemainder) yield batchElements(where, pending) as Batched<T>;
    }, size === null || size === Infinity ? size : dropRemainder ? Math.floor(size / batchSize) : Math.ceil(size / batchSize));
  }

  /**
   * Reads up to `bufferSize` elements ahead of the consumer, in the background: while the consumer
   * works (a training step, then a yield to the event loop), the source's next elements are read,
   * so its waits on I/O (a file being read) overlap the consumer's work.
   */
  prefetch(bufferSize: number): Dataset<T> {
    const where = 'Dataset.prefetch';
    checkPositiveInteger(where, 'bufferSize', bufferSize);
    const upstream = this;
    return new Dataset<T>(CREATE, async function* prefetched() {
      const iterator = upstream.open();
      const ready: T[] = [];
      let ended = false;
      let failure: { error: unknown } | null = null;
      let stopped = false;
      let filling: Promise<void> | null = null;
      let wake: (() => void) | null = null;
      const notify = (): void => {
        const resolve = wake;
        wake = null;
        resolve?.();
      };
      // One request to the source at a time, until bufferSize elements wait or the source ends.
      const fill = async (): Promise<void> => {
        try {
          while (!stopped && !ended && ready.length < bufferSize) {
            const result = await iterator.next();
            if (result.done) ended = true;
            else ready.push(result.value);
            notify();
          }
        } catch (error) {
          failure = { error };
          ended = true;
          notify();
        } finally {
          filling = null;
        }
      };
      try {
        for (;;) {
          if (ready.length > 0) {
            const value = ready.shift() as T;
            filling ??= fill();
            yield value;
            continue;
          }
          if (failure !== null) throw (failure as { error: unknown }).error;
          if (ended) return;
          filling ??= fill();
          await new Promise<void>((resolve) => (wake = resolve));
        }
      } finally {
        // The consumer stopped early (or the source failed): let the request in flight finish, then close the source.
        stopped = true;
        if (filling !== null) await filling;
        if (!ended && iterator.return !== undefined) await iterator.return();
      }
    }, this.size);
  }

  /** The first `count` elements (all of them if there are fewer). */
  take(count: number): Dataset<T> {
    const where = 'Dataset.take';
    checkInteger(where, 'count', count, 0, Number.MAX_SAFE_INTEGER);
    const upstream = this;
    return new Dataset<T>(CREATE, async function* taken() {
      if (count === 0) return;
      let seen = 0;
      for await (const element of upstream) {
        yield element;
        if (++seen >= count) return;
      }
    }, this.size === null ? null : Math.min(this.size, count));
  }

  /** Every element after the first `count`. */
  skip(count: number): Dataset<T> {
    const where = 'Dataset.skip';
    checkInteger(where, 'count', count, 0, Number.MAX_SAFE_INTEGER);
    const upstream = this;
    return new Dataset<T>(CREATE, async function* skipped() {
      let seen = 0;
      for await (const element of upstream) {
        if (seen++ >= count) yield element;
      }
    }, this.size === null ? null : Math.max(0, this.size - count));
  }

  /**
   * Repeats the dataset `count` times (each repetition a fresh pass: a shuffled dataset reshuffles),
   * or endlessly without a count. An endless dataset trains with `fit`'s `stepsPerEpoch`.
   */
  repeat(count?: number): Dataset<T> {
    const where = 'Dataset.repeat';
    if (count !== undefined) checkInteger(where, 'count', count, 0, Number.MAX_SAFE_INTEGER);
    const upstream = this;
    const size = this.size;
    return new Dataset<T>(CREATE, async function* repeated() {
      for (let pass = 0; count === undefined || pass < count; pass++) {
        let any = false;
        for await (const element of upstream) {
          any = true;
          yield element;
        }
        // An empty pass would make an endless repeat spin forever: it ends instead.
        if (!any) return;
      }
    }, size === 0 || count === 0 ? 0 : count === undefined ? Infinity : size === null ? null : size * count);
  }

  /** This dataset's elements, then `other`'s. */
  concatenate(other: Dataset<T>): Dataset<T> {
    const where = 'Dataset.concatenate';
    if (!(other instanceof Dataset)) typeError(where, 'other', 'a Dataset', other);
    const upstream = this;
    return new Dataset<T>(CREATE, async function* concatenated() {
      yield* upstream;
      yield* other;
    }, this.size === null || other.size === null ? null : this.size + other.size);
  }

  /** Every element, in an array. An endless dataset throws (take a finite part first). */
  async toArray(): Promise<T[]> {
    if (this.size === Infinity) {
      throw new ValueError('Dataset.toArray: the dataset is endless (repeat() without a count); take(n) a finite part first');
    }
    const elements: T[] = [];
    for await (const element of this) elements.push(element);
    return elements;
  }

  /** Calls `fn` on every element in order, awaiting it if it returns a Promise. */
  async forEachAsync(fn: (element: T) => void | Promise<void>): Promise<void> {
    checkFunction('Dataset.forEachAsync', 'fn', fn);
    for await (const element of this) {
      const result = fn(element);
      if (isThenable(result)) await result;
    }
  }

  /** A short description for messages: `Dataset(size 100)`. */
  toString(): string {
    return `Dataset(${sizeOf(this.size)} elements)`;
  }
}

/** A pass over an iterable, an async iterable or a bare iterator, as an async iterator. */
async function* passOver<T>(where: string, source: unknown): AsyncGenerator<T> {
  const value = source as Record<PropertyKey, unknown> | null;
  if (value !== null && typeof value === 'object' && typeof value[Symbol.asyncIterator] === 'function') {
    yield* value as unknown as AsyncIterable<T>;
  } else if (value !== null && typeof value === 'object' && typeof value[Symbol.iterator] === 'function') {
    yield* value as unknown as Iterable<T>;
  } else if (value !== null && typeof value === 'object' && typeof value.next === 'function') {
    const iterator = value as unknown as Iterator<T> | AsyncIterator<T>;
    for (;;) {
      const result = await iterator.next();
      if (result === null || typeof result !== 'object') typeError(where, "the iterator's next() result", 'an object { value, done }', result);
      if (result.done) return;
      yield result.value;
    }
  } else {
    typeError(where, "the generator function's result", 'an iterator, an iterable or an async iterable', source);
  }
}

function isIterable(value: unknown): boolean {
  const object = value as Record<PropertyKey, unknown> | null;
  return object !== null && typeof object === 'object' && (typeof object[Symbol.asyncIterator] === 'function' || typeof object[Symbol.iterator] === 'function');
}

/**
 * A dataset of the elements a generator yields: `fn` is called at the start of every pass and
 * returns an iterator, an iterable or an async iterable (a generator or async generator function
 * does). As TensorFlow.js's `tf.data.generator`.
 * ```ts
 * const noise = dn.data.generator(function* () { for (let i = 0; i < 100; i++) yield dn.randn([8]); });
 * ```
 */
export function generator<T>(fn: () => Source<T>): Dataset<T> {
  const where = 'data.generator';
  checkFunction(where, 'fn', fn);
  return new Dataset<T>(CREATE, () => passOver<T>(where, fn()), null);
}

/**
 * A dataset whose elements are the items of `items`, as they are (TensorFlow.js's `tf.data.array`):
 * objects and arrays stay structures, so `array([{ xs: [1, 2], ys: 0 }])` batches `xs` into two
 * float32 vectors. To slice tensors into rows, use {@link dataset}.
 */
export function array<T>(items: readonly T[]): Dataset<T> {
  const where = 'data.array';
  if (!Array.isArray(items)) typeError(where, 'items', 'an array', items);
  const copy = items.slice();
  copy.forEach((item, i) => {
    if (item === undefined) throw new ValueError(`${where}: items[${i}] is undefined; every item is an element`);
  });
  return new Dataset<T>(CREATE, async function* arrayed() {
    yield* copy;
  }, copy.length);
}

/**
 * A dataset whose elements combine the elements of several datasets, in the same structure:
 * `zip({ xs: features, ys: labels })` yields `{ xs, ys }` pairs; `zip([a, b])` yields `[a_i, b_i]`.
 * It ends with the shortest dataset.
 */
export function zip<T extends Record<string, Dataset<unknown>> | readonly Dataset<unknown>[]>(
  datasets: T,
): Dataset<{ [K in keyof T]: T[K] extends Dataset<infer E> ? E : never }> {
  const where = 'data.zip';
  const isList = Array.isArray(datasets);
  if (!isList && !isPlainObject(datasets)) typeError(where, 'datasets', 'an array or object of datasets', datasets);
  const keys = Object.keys(datasets);
  if (keys.length === 0) throw new ValueError(`${where}: datasets is empty; give at least one dataset to zip`);
  const parts = keys.map((key) => {
    const part = (datasets as Record<string, unknown>)[key];
    if (!(part instanceof Dataset)) typeError(where, isList ? `datasets[${key}]` : `datasets.${key}`, 'a Dataset', part);
    return part;
  });
  const sizes = parts.map((part) => part.size);
  const size = sizes.includes(null) ? null : Math.min(...(sizes as number[]));
  type Zipped = { [K in keyof T]: T[K] extends Dataset<infer E> ? E : never };
  return new Dataset<Zipped>(CREATE, async function* zipped() {
    const iterators = parts.map((part) => part[Symbol.asyncIterator]());
    let finished = false;
    try {
      for (;;) {
        const results = await Promise.all(iterators.map((iterator) => iterator.next()));
        if (results.some((result) => result.done)) {
          finished = true;
          // Close the longer ones.
          await Promise.all(iterators.map((iterator, i) => (results[i].done || iterator.return === undefined ? undefined : iterator.return())));
          return;
        }
        if (isList) {
          yield results.map((result) => result.value) as unknown as Zipped;
        } else {
          const element: Record<string, unknown> = {};
          keys.forEach((key, i) => (element[key] = results[i].value));
          yield element as Zipped;
        }
      }
    } finally {
      if (!finished) await Promise.all(iterators.map((iterator) => (iterator.return === undefined ? undefined : iterator.return())));
    }
  }, size);
}

/**
 * A dataset from data in memory or a source of elements (lazily evaluated, async-iterable):
 *
 * - a Tensor, an array of numbers or a typed array: its rows (slices along the first axis);
 * - a plain object or an array of tensors: the rows of every tensor in it together, in the same
 *   structure (tf.data's `from_tensor_slices`): `dataset({ xs, ys })` yields `{ xs: row, ys: label }`,
 *   `dataset({ xs: [users, items], ys: ratings })` suits a model with two inputs. Every tensor needs
 *   the same number of rows. Rows are views of the tensors, not copies;
 * - a generator function (called at the start of each pass), an iterable or an async iterable:
 *   the elements it yields. A generator object can be read once: pass the function to iterate again;
 * - a Dataset: itself.
 *
 * ```ts
 * const ds = dn.data.dataset({ xs: xTrain, ys: yTrain }).shuffle(1024, { seed: 1 }).batch(32).prefetch(2);
 * ```
 */
export function dataset<T>(source: Dataset<T>): Dataset<T>;
export function dataset(source: Tensor | number[] | number[][] | Float32Array | Int32Array): Dataset<Tensor>;
export function dataset<T>(source: () => Source<T>): Dataset<T>;
export function dataset<S extends readonly SliceSource[] | { readonly [key: string]: SliceSource }>(source: S): Dataset<Sliced<S>>;
export function dataset<T>(source: Iterable<T> | AsyncIterable<T>): Dataset<T>;
export function dataset(source: unknown): Dataset<unknown> {
  const where = 'data.dataset';
  if (source instanceof Dataset) return source;
  if (typeof source === 'function') return generator(source as () => Source<unknown>);
  if (typeof source === 'string') {
    throw new ArgumentTypeError(`${where}: source must be data, a generator or an iterable, got a string (read a CSV file with dn.data.csv(path, options))`);
  }
  if (source instanceof Tensor || Array.isArray(source) || ArrayBuffer.isView(source) || (isPlainObject(source) && !isIterable(source))) {
    const { tree, rows } = toSliceTree(where, source);
    return new Dataset(CREATE, async function* sliced() {
      for (let i = 0; i < rows; i++) yield sliceRow(tree, i);
    }, rows);
  }
  if (isIterable(source)) {
    const iterable = source as Record<PropertyKey, () => unknown>;
    const method = typeof iterable[Symbol.asyncIterator] === 'function' ? Symbol.asyncIterator : Symbol.iterator;
    let passes = 0;
    return new Dataset(CREATE, () => {
      const iterator = iterable[method]();
      // A generator object (or any iterator that is its own iterable) has one pass in it.
      if (iterator === source && passes > 0) {
        throw new ValueError(
          `${where}: the source is an iterator (a generator object), which can be read once; pass the generator function instead (dn.data.dataset(() => gen())) to read it again in every epoch`,
        );
      }
      passes++;
      return passOver(where, iterator);
    }, null);
  }
  typeError(where, 'source', 'a Tensor, an array, an object of tensors, a generator function or an iterable', source);
}
