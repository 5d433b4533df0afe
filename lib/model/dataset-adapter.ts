/**
 * Datasets as model data: `fit(dataset)`, `evaluate(dataset)` and a dataset as `validationData` read
 * their batches through {@link DatasetAdapter}, which turns each element of a `dn.data` dataset into
 * a {@link Batch} checked against the model by `toBatch`, as the in-memory data's TensorAdapter does
 * for tensors. The training loop sees only batches.
 */
import { ShapeError, ValueError } from '../errors.js';
import { Tensor } from '../tensor.js';
import type { Dataset } from '../data/dataset.js';
import { isPlainObject } from '../data/elements.js';
import { describe, didYouMean } from '../validate.js';
import { toBatch, type Batch, type DataAdapter, type ModelSignature } from './data-adapter.js';

const ELEMENT_KEYS = ['xs', 'ys', 'sampleWeight'];

/** The inputs, targets and (optional) sample weights of one dataset element. */
function elementParts(where: string, element: unknown): [unknown, unknown, unknown] {
  if (isPlainObject(element)) {
    for (const key of Object.keys(element)) {
      if (!ELEMENT_KEYS.includes(key)) {
        throw new ValueError(`${where}: unknown key '${key}'${didYouMean(key, ELEMENT_KEYS)} in the element; a batch is { xs, ys } or { xs, ys, sampleWeight }`);
      }
    }
    if (element.xs === undefined || element.ys === undefined) {
      throw new ValueError(`${where}: the element lacks ${element.xs === undefined ? 'xs' : 'ys'}; a batch is { xs, ys } (inputs and targets) or [xs, ys]`);
    }
    return [element.xs, element.ys, element.sampleWeight];
  }
  if (Array.isArray(element) && (element.length === 2 || element.length === 3)) return [element[0], element[1], element[2]];
  throw new ValueError(
    `${where}: the element is ${describe(element)}; a batch is { xs, ys } (inputs and targets), [xs, ys] or [xs, ys, sampleWeight] — map the dataset to that form`,
  );
}

/** Whether any input of an element is a single row (rank 0 or 1): the usual sign of a dataset that was not batched. */
function looksUnbatched(xs: unknown): boolean {
  const tensors = xs instanceof Tensor ? [xs] : Array.isArray(xs) ? xs : isPlainObject(xs) ? Object.values(xs) : [];
  return tensors.some((t) => t instanceof Tensor && t.rank <= 1);
}

/**
 * Batches from a dataset whose elements are batches (`{ xs, ys }`, `[xs, ys]` or `[xs, ys,
 * sampleWeight]`, each part in any form `fit` accepts for in-memory data).
 *
 * - Without `steps`, an epoch is one full pass over the dataset (a fresh pass each epoch).
 * - With `steps` and `carry` (training with `stepsPerEpoch`), an epoch is `steps` batches read from
 *   one pass that carries on from epoch to epoch; when the dataset runs out, a new pass starts, as if
 *   it were repeated.
 * - With `steps` and no `carry` (`validationSteps`, `evaluate`'s `steps`), an epoch is at most
 *   `steps` batches from the start of a fresh pass.
 */
export class DatasetAdapter implements DataAdapter {
  readonly samples = null;
  readonly steps: number | null;
  /** The pass being read, kept between epochs with `carry`. */
  private iterator: AsyncIterator<unknown> | null = null;
  /** A batch read ahead by {@link DatasetAdapter.peek}. */
  private ahead: Batch | null = null;

  private readonly model: ModelSignature;
  private readonly where: string;
  private readonly name: string;
  private readonly dataset: Dataset<unknown>;
  private readonly limit: number | null;
  private readonly carry: boolean;
  private readonly classWeight: unknown;

  constructor(options: {
    model: ModelSignature;
    where: string;
    /** The dataset in messages: 'the dataset', 'validationData'. */
    name: string;
    dataset: Dataset<unknown>;
    /** Batches per epoch, or null for a full pass. */
    steps: number | null;
    /** The option that sets `steps`, for messages: 'stepsPerEpoch', 'validationSteps', 'steps'. */
    stepsOption: string;
    /** Whether one pass carries on from epoch to epoch (training with stepsPerEpoch). */
    carry: boolean;
    /** Class weights for every batch (training data only). */
    classWeight?: unknown;
  }) {
    const { where, name, dataset, steps, carry } = options;
    this.model = options.model;
    this.where = where;
    this.name = name;
    this.dataset = dataset;
    this.limit = steps;
    this.carry = carry;
    this.classWeight = options.classWeight;
    const size = dataset.size;
    if (steps === null && size === Infinity) {
      throw new ValueError(`${where}: ${name} is endless (repeat() without a count); give ${options.stepsOption} to say how many batches to read`);
    }
    this.steps = steps !== null ? (carry || size === null ? steps : Math.min(steps, size)) : size;
  }

  /**
   * Reads and checks the first batch before training starts (a model that builds on its first data
   * is built by it); the first epoch then begins with it.
   */
  async peek(): Promise<void> {
    if (this.ahead === null) this.ahead = await this.read(0, true);
  }

  async *epoch(): AsyncGenerator<Batch, void, undefined> {
    const limit = this.limit ?? Infinity;
    try {
      for (let step = 0; step < limit; step++) {
        let batch = await this.read(step, step === 0);
        if (batch === null) {
          if (!this.carry) return;
          // A carried pass ran out before the epoch's steps: start again.
          batch = await this.read(step, true);
          if (batch === null) return;
        }
        yield batch;
      }
    } finally {
      // A pass is closed when the epoch leaves it (at a step limit, stopTraining, an error), unless it
      // carries on into the next epoch (fit closes it at the end).
      if (!this.carry) await this.close();
    }
  }

  /** Closes the pass being read (a file stream, a generator). */
  async close(): Promise<void> {
    const iterator = this.iterator;
    this.iterator = null;
    this.ahead = null;
    if (iterator !== null && iterator.return !== undefined) await iterator.return();
  }

  /**
   * The next batch of the pass (opening one if needed), or null at its end. `fresh`: a pass that
   * yields nothing at all is an error (an empty dataset).
   */
  private async read(step: number, fresh: boolean): Promise<Batch | null> {
    if (this.ahead !== null) {
      const batch = this.ahead;
      this.ahead = null;
      return batch;
    }
    const opened = this.iterator === null;
    this.iterator ??= this.dataset[Symbol.asyncIterator]();
    const next = await this.iterator.next();
    if (next.done === true) {
      this.iterator = null;
      if (opened && fresh) throw new ValueError(`${this.where}: ${this.name} yielded no batch; it is empty`);
      return null;
    }
    const where = `${this.where}: batch ${step} of ${this.name}`;
    const [xs, ys, sampleWeight] = elementParts(where, next.value);
    try {
      return toBatch(this.model, where, xs, ys, sampleWeight, this.classWeight);
    } catch (error) {
      if (error instanceof ShapeError && looksUnbatched(xs)) {
        throw new ShapeError(`${error.message} (its elements look like single samples: batch the dataset first, e.g. dataset.batch(32))`);
      }
      throw error;
    }
  }
}
