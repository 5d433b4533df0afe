// dn.data.dataset and its operators: sources, laziness, every operator, seeded shuffling, batching, bad input.
import { describe, expect, it } from 'vitest';
import { ArgumentTypeError, ValueError } from '../../lib/errors.js';
import { array, Dataset, dataset, generator, zip } from '../../lib/data/index.js';
import { seed } from '../../lib/random.js';
import { tensor, Tensor } from '../../lib/tensor.js';

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
/** A dataset of the numbers 0..n-1 from a generator, counting how many were pulled. */
function counted(n: number) {
  const state = { pulled: 0, passes: 0, closed: 0 };
  const ds = generator(function* numbers() {
    state.passes++;
    try {
      for (let i = 0; i < n; i++) {
        state.pulled++;
        yield i;
      }
    } finally {
      state.closed++;
    }
  });
  return { ds, state };
}
const values = (t: unknown) => Array.from((t as Tensor).dataSync());

describe('dataset: should throw', () => {
  it('rejects bad sources', () => {
    expect(() => dataset('train.csv' as never)).toThrow(ArgumentTypeError);
    expect(() => dataset('train.csv' as never)).toThrow(/got a string \(read a CSV file with dn.data.csv\(path, options\)\)/);
    expect(() => dataset(42 as never)).toThrow(/data.dataset: source must be a Tensor, an array, an object of tensors, a generator function or an iterable, got 42/);
    expect(() => dataset({ xs: tensor([[1], [2], [3]]), ys: tensor([0, 1]) })).toThrow(ValueError);
    expect(() => dataset({ xs: tensor([[1], [2], [3]]), ys: tensor([0, 1]) })).toThrow(/ys has 2 rows \(shape \[2\]\) but xs has 3; every part of the data needs one row per sample/);
    expect(() => dataset({ xs: [tensor([1, 2]), tensor([1, 2, 3])] })).toThrow(/xs\[1\] has 3 rows/);
    expect(() => dataset({})).toThrow(/the element is an empty object/);
    expect(() => dataset(tensor(3) as never)).toThrow(/must have at least one dimension to slice into rows, got a rank-0 tensor/);
    expect(() => dataset({ xs: tensor([1]), ys: 'a' } as never)).toThrow(ArgumentTypeError);
    expect(() => new (Dataset as unknown as new (...args: unknown[]) => unknown)(null, () => null, 0)).toThrow(/create a dataset with dn.data.dataset\(\)/);
    expect(() => generator(5 as never)).toThrow(/data.generator: fn must be a function, got 5/);
    expect(() => array('abc' as never)).toThrow(/data.array: items must be an array, got "abc"/);
    expect(() => array([1, undefined])).toThrow(/items\[1\] is undefined/);
    expect(() => zip([])).toThrow(/datasets is empty/);
    expect(() => zip([array([1]), 3 as never])).toThrow(/datasets\[1\] must be a Dataset, got 3/);
    expect(() => zip(5 as never)).toThrow(ArgumentTypeError);
  });

  it('checks every operator argument', async () => {
    const ds = array([1, 2, 3]);
    expect(() => ds.map(3 as never)).toThrow(/Dataset.map: fn must be a function/);
    expect(() => ds.filter(undefined as never)).toThrow(/Dataset.filter: predicate must be a function/);
    await expect(ds.forEachAsync(null as never)).rejects.toThrow(ArgumentTypeError);
    expect(() => ds.shuffle(0)).toThrow(/Dataset.shuffle: bufferSize must be an integer from 1/);
    expect(() => ds.shuffle(1.5)).toThrow(ValueError);
    expect(() => ds.shuffle('10' as never)).toThrow(ArgumentTypeError);
    expect(() => ds.shuffle(10, { sed: 1 } as never)).toThrow(/unknown option 'sed' \(did you mean 'seed'\?\)/);
    expect(() => ds.shuffle(10, { seed: 0.5 })).toThrow(/seed must be an integer/);
    expect(() => ds.shuffle(10, { reshuffleEachIteration: 1 as never })).toThrow(ArgumentTypeError);
    expect(() => ds.batch(0)).toThrow(/Dataset.batch: batchSize must be an integer from 1/);
    expect(() => ds.batch(2, { dropRemainder: 'yes' as never })).toThrow(ArgumentTypeError);
    expect(() => ds.batch(2, true as never)).toThrow(/options must be an object/);
    expect(() => ds.prefetch(0)).toThrow(/Dataset.prefetch: bufferSize/);
    expect(() => ds.take(-1)).toThrow(/Dataset.take: count must be an integer from 0/);
    expect(() => ds.skip(1.5)).toThrow(ValueError);
    expect(() => ds.repeat(-2)).toThrow(/Dataset.repeat: count/);
    expect(() => ds.concatenate([1] as never)).toThrow(/concatenate: other must be a Dataset/);
  });

  it('reports bad elements while iterating, naming the element and where in it', async () => {
    await expect(array([1, 2]).map(() => undefined).toArray()).rejects.toThrow(/Dataset.map: the function returned undefined for element 0/);
    await expect(array([1, 2]).filter(() => 1 as never).toArray()).rejects.toThrow(ArgumentTypeError);
    await expect(array([1, 2]).filter((x) => (x === 2 ? ('yes' as never) : true)).toArray()).rejects.toThrow(/the predicate's result for element 1 must be a boolean, got "yes"/);
    await expect(array([tensor([1, 2]), tensor([1, 2, 3])]).batch(2).toArray()).rejects.toThrow(
      /Dataset.batch: element 1 of the batch has float32 \[3\] at the element, but element 0 has float32 \[2\]/,
    );
    await expect(array([{ xs: tensor([1]), ys: 0 }, { xs: tensor([1], { dtype: 'int32' }), ys: 1 }]).batch(2).toArray()).rejects.toThrow(
      /element 1 of the batch has int32 \[1\] at xs, but element 0 has float32 \[1\]/,
    );
    await expect(array([{ xs: 1, ys: 0 }, { xs: 1, label: 0 }] as never[]).batch(2).toArray()).rejects.toThrow(
      /element 1 of the batch has an object with keys \[xs, label\] at the element, but element 0 has an object with keys \[xs, ys\]/,
    );
    await expect(array([[1, 2], [1]]).batch(2).toArray()).rejects.toThrow(/element 1 of the batch has an array of length 1 at the element, but element 0 has an array of length 2/);
    await expect(array([{ name: 'a' }, { name: 'b' }] as never[]).batch(2).toArray()).rejects.toThrow(
      /element 0 of the batch has "a" at name; batch stacks tensors, numbers and typed arrays/,
    );
    await expect(array([1]).repeat().toArray()).rejects.toThrow(/the dataset is endless \(repeat\(\) without a count\); take\(n\) a finite part first/);
  });

  it('a generator object can be read once; a generator function must return something iterable', async () => {
    function* three() {
      yield 1;
      yield 2;
      yield 3;
    }
    const once = dataset(three());
    expect(await once.toArray()).toEqual([1, 2, 3]);
    await expect(once.toArray()).rejects.toThrow(/the source is an iterator \(a generator object\), which can be read once; pass the generator function instead/);
    await expect(generator(() => 5 as never).toArray()).rejects.toThrow(/the generator function's result must be an iterator, an iterable or an async iterable, got 5/);
    await expect(generator(() => ({ next: () => 7 }) as never).toArray()).rejects.toThrow(/the iterator's next\(\) result must be an object/);
  });
});

describe('dataset: sources', () => {
  it('slices a tensor, an array of numbers and a typed array into rows', async () => {
    const x = tensor([[1, 2], [3, 4], [5, 6]]);
    const ds = dataset(x);
    expect(ds.size).toBe(3);
    const rows = await ds.toArray();
    expect(rows.map((r) => r.shape)).toEqual([[2], [2], [2]]);
    expect(rows.map((r) => values(r))).toEqual([[1, 2], [3, 4], [5, 6]]);
    // Rows are views of the source, not copies.
    expect(rows[1].storage.buffer).toBe(x.storage.buffer);
    expect((await dataset([[1, 2], [3, 4]]).toArray()).map(values)).toEqual([[1, 2], [3, 4]]);
    const scalars = await dataset(new Int32Array([7, 8])).toArray();
    expect(scalars.map((s) => [s.dtype, s.shape.length, s.item()])).toEqual([['int32', 0, 7], ['int32', 0, 8]]);
    // A non-contiguous view is sliced in its logical order.
    expect((await dataset(x.transpose()).toArray()).map(values)).toEqual([[1, 3, 5], [2, 4, 6]]);
  });

  it('slices objects and arrays of tensors together (several inputs, features and labels)', async () => {
    const users = tensor([[1, 0], [0, 1], [1, 1]]);
    const items = tensor([[9], [8], [7]]);
    const ratings = tensor([5, 3, 1]);
    const ds = dataset({ xs: [users, items], ys: ratings });
    expect(ds.size).toBe(3);
    const rows = await ds.toArray();
    expect(rows[2].xs.map(values)).toEqual([[1, 1], [7]]);
    expect(rows[2].ys.item()).toBe(1);
    const pairs = await dataset([users, items]).toArray();
    expect(pairs.map((p) => p.map(values))).toEqual([[[1, 0], [9]], [[0, 1], [8]], [[1, 1], [7]]]);
    const nested = await dataset({ xs: { user: users, item: items }, ys: ratings }).take(1).toArray();
    expect(values(nested[0].xs.item)).toEqual([9]);
  });

  it('reads generators (fresh each pass), async generators, iterables and async iterables', async () => {
    const { ds, state } = counted(4);
    expect(ds.size).toBeNull();
    expect(state.passes).toBe(0); // lazy: nothing runs before iteration
    expect(await ds.toArray()).toEqual([0, 1, 2, 3]);
    expect(await ds.toArray()).toEqual([0, 1, 2, 3]);
    expect(state.passes).toBe(2);
    const asyncGen = dataset(async function* numbers() {
      for (let i = 0; i < 3; i++) {
        await new Promise((resolve) => setImmediate(resolve));
        yield i * 10;
      }
    });
    expect(await asyncGen.toArray()).toEqual([0, 10, 20]);
    const set = dataset(new Set(['a', 'b']));
    expect(await set.toArray()).toEqual(['a', 'b']);
    expect(await set.toArray()).toEqual(['a', 'b']);
    const asyncIterable = dataset({ async *[Symbol.asyncIterator]() { yield 1; yield 2; } });
    expect(await asyncIterable.toArray()).toEqual([1, 2]);
    // A bare iterator object (next() only) returned by a function.
    let i = 0;
    expect(await generator(() => ({ next: () => (i < 2 ? { value: i++, done: false } : { value: undefined, done: true }) })).toArray()).toEqual([0, 1]);
    expect(dataset(ds)).toBe(ds);
  });

  it('array() keeps items as elements; zip() combines datasets and ends with the shortest', async () => {
    const items = [{ xs: [1, 2], ys: 0 }, { xs: [3, 4], ys: 1 }];
    const ds = array(items);
    items.push({ xs: [5, 6], ys: 0 }); // copied at creation
    expect(ds.size).toBe(2);
    expect(await ds.toArray()).toEqual([{ xs: [1, 2], ys: 0 }, { xs: [3, 4], ys: 1 }]);
    const zipped = zip({ xs: array([1, 2, 3]), ys: array(['a', 'b']) });
    expect(zipped.size).toBe(2);
    expect(await zipped.toArray()).toEqual([{ xs: 1, ys: 'a' }, { xs: 2, ys: 'b' }]);
    const { ds: longer, state } = counted(100);
    expect(await zip([array([1, 2]), longer]).toArray()).toEqual([[1, 0], [2, 1]]);
    expect(state.closed).toBe(1); // the longer one is closed, not read to its end
    expect(state.pulled).toBeLessThan(5);
    expect(zip([array([1]), longer]).size).toBeNull();
  });
});

describe('dataset: operators', () => {
  it('map (sync and async) and filter', async () => {
    expect(await array([1, 2, 3]).map((x) => x * 2).toArray()).toEqual([2, 4, 6]);
    expect(await array([1, 2, 3]).map(async (x) => x + 1).toArray()).toEqual([2, 3, 4]);
    expect(array([1, 2, 3]).map((x) => x).size).toBe(3);
    const evens = array(range(10)).filter((x) => x % 2 === 0);
    expect(evens.size).toBeNull();
    expect(await evens.toArray()).toEqual([0, 2, 4, 6, 8]);
    expect(await array(range(5)).filter(async (x) => x > 2).toArray()).toEqual([3, 4]);
    expect(array([1]).repeat().filter(() => true).size).toBe(Infinity);
  });

  it('map is lazy: nothing runs until iterated, and each pass runs it again', async () => {
    let calls = 0;
    const ds = array([1, 2, 3]).map((x) => {
      calls++;
      return x;
    });
    expect(calls).toBe(0);
    await ds.toArray();
    await ds.toArray();
    expect(calls).toBe(6);
  });

  it('take and skip, pulling no more than they need', async () => {
    const { ds, state } = counted(1000);
    expect(await ds.take(3).toArray()).toEqual([0, 1, 2]);
    expect(state.pulled).toBe(3);
    expect(state.closed).toBe(1); // the source is closed when take stops early
    expect(await ds.take(0).toArray()).toEqual([]);
    expect(await array(range(5)).skip(3).toArray()).toEqual([3, 4]);
    expect(await array(range(5)).skip(9).toArray()).toEqual([]);
    expect(array(range(5)).take(3).size).toBe(3);
    expect(array(range(5)).take(30).size).toBe(5);
    expect(array(range(5)).skip(2).size).toBe(3);
    expect(array(range(5)).skip(20).size).toBe(0);
    expect(await array(range(10)).skip(2).take(3).toArray()).toEqual([2, 3, 4]);
  });

  it('repeat: a count, endless, and an empty dataset that ends instead of spinning', async () => {
    const ds = array([1, 2]);
    expect(await ds.repeat(3).toArray()).toEqual([1, 2, 1, 2, 1, 2]);
    expect(ds.repeat(3).size).toBe(6);
    expect(ds.repeat().size).toBe(Infinity);
    expect(ds.repeat(0).size).toBe(0);
    expect(await ds.repeat().take(5).toArray()).toEqual([1, 2, 1, 2, 1]);
    expect(await array([]).repeat().toArray()).toEqual([]);
    expect(await array([1]).filter(() => false).repeat().take(3).toArray()).toEqual([]);
    const { ds: source, state } = counted(2);
    await source.repeat(3).toArray();
    expect(state.passes).toBe(3);
  });

  it('concatenate, forEachAsync and iterator()', async () => {
    const both = array([1, 2]).concatenate(array([3]));
    expect(both.size).toBe(3);
    expect(await both.toArray()).toEqual([1, 2, 3]);
    expect(array([1]).concatenate(generator(function* one() { yield 2; })).size).toBeNull();
    const seen: number[] = [];
    await both.forEachAsync(async (x) => {
      await new Promise((resolve) => setImmediate(resolve));
      seen.push(x);
    });
    expect(seen).toEqual([1, 2, 3]);
    const iterator = await both.iterator();
    expect(await iterator.next()).toEqual({ value: 1, done: false });
    const collected: number[] = [];
    for await (const x of both) collected.push(x);
    expect(collected).toEqual([1, 2, 3]);
    expect(String(both)).toBe('Dataset(3 elements)');
    expect(String(both.repeat())).toBe('Dataset(endless elements)');
  });

  it('batch stacks tensors, numbers and typed arrays, keeping the structure and dtypes', async () => {
    const x = tensor([[1, 2], [3, 4], [5, 6], [7, 8], [9, 10]]);
    const y = tensor([0, 1, 2, 3, 4], { dtype: 'int32' });
    const batches = await dataset({ xs: x, ys: y }).batch(2).toArray();
    expect(batches.length).toBe(3);
    expect(batches[0].xs.shape).toEqual([2, 2]);
    expect(values(batches[0].xs)).toEqual([1, 2, 3, 4]);
    expect(batches[0].ys.dtype).toBe('int32');
    expect(values(batches[1].ys)).toEqual([2, 3]);
    expect(batches[2].xs.shape).toEqual([1, 2]); // the smaller last batch is kept
    expect(dataset({ xs: x, ys: y }).batch(2).size).toBe(3);
    const dropped = dataset({ xs: x, ys: y }).batch(2, { dropRemainder: true });
    expect(dropped.size).toBe(2);
    expect((await dropped.toArray()).length).toBe(2);
    const numbers = await array([{ xs: [1, 2], ys: 0 }, { xs: [3, 4], ys: 1 }]).batch(2).toArray();
    // As in TensorFlow.js, a plain array is a structure: xs holds two batched columns.
    expect(numbers[0].xs.map(values)).toEqual([[1, 3], [2, 4]]);
    expect(numbers[0].ys.dtype).toBe('float32');
    const typed = await array([new Float32Array([1, 2]), new Float32Array([3, 4])]).batch(2).toArray();
    expect(typed[0].shape).toEqual([2, 2]);
    const images = await dataset(tensor(range(24), { shape: [3, 2, 2, 2] })).batch(3).toArray();
    expect(images[0].shape).toEqual([3, 2, 2, 2]);
    expect(values(images[0])).toEqual(range(24));
    expect(array([1]).repeat().batch(4).size).toBe(Infinity);
  });

  it('prefetch yields the same elements, reads ahead, and closes its source when the consumer stops', async () => {
    expect(await array(range(7)).prefetch(3).toArray()).toEqual(range(7));
    expect(array(range(7)).prefetch(3).size).toBe(7);
    // A buffer far larger than the data holds only what there is.
    expect(await array([1, 2, 3]).prefetch(2 ** 40).toArray()).toEqual([1, 2, 3]);
    const { ds, state } = counted(100);
    const iterator = ds.prefetch(4)[Symbol.asyncIterator]();
    expect((await iterator.next()).value).toBe(0);
    await new Promise((resolve) => setImmediate(resolve));
    expect(state.pulled).toBeGreaterThanOrEqual(5); // the current element and four ahead
    expect(state.pulled).toBeLessThan(10);
    await iterator.return!();
    expect(state.closed).toBe(1);
    // An error upstream reaches the consumer.
    const failing = generator(function* fails() {
      yield 1;
      throw new ValueError('broken source');
    });
    await expect(failing.prefetch(2).toArray()).rejects.toThrow(/broken source/);
  });
});

describe('dataset: shuffle', () => {
  const order = async (ds: Dataset<number>) => ds.toArray();

  it('is a permutation; a seed reproduces the sequence of orders; each pass reshuffles', async () => {
    const make = () => array(range(50)).shuffle(50, { seed: 7 });
    const a = make();
    const b = make();
    const firstA = await order(a);
    const secondA = await order(a);
    expect([...firstA].sort((x, y) => x - y)).toEqual(range(50));
    expect(firstA).not.toEqual(range(50));
    expect(secondA).not.toEqual(firstA); // a new order each pass (epoch)
    expect(await order(b)).toEqual(firstA); // the same seed gives the same orders
    expect(await order(b)).toEqual(secondA);
    expect(await order(array(range(50)).shuffle(50, { seed: 8 }))).not.toEqual(firstA);
  });

  it('reshuffleEachIteration: false repeats the first order', async () => {
    const ds = array(range(30)).shuffle(30, { seed: 3, reshuffleEachIteration: false });
    const first = await order(ds);
    expect(await order(ds)).toEqual(first);
    const unseeded = array(range(30)).shuffle(30, { reshuffleEachIteration: false });
    expect(await order(unseeded)).toEqual(await order(unseeded));
  });

  it('without a seed, dn.seed makes it reproducible', async () => {
    const ds = array(range(40)).shuffle(40);
    seed(11);
    const first = await order(ds);
    seed(11);
    expect(await order(ds)).toEqual(first);
  });

  it('a small buffer shuffles locally, holding only bufferSize elements: no element moves earlier than bufferSize - 1 places', async () => {
    const n = 200;
    const buffer = 8;
    const out = await order(array(range(n)).shuffle(buffer, { seed: 1 }));
    expect([...out].sort((x, y) => x - y)).toEqual(range(n));
    out.forEach((value, position) => expect(value).toBeLessThanOrEqual(position + buffer - 1));
    expect(out).not.toEqual(range(n));
    // A buffer of one changes nothing.
    expect(await order(array(range(20)).shuffle(1, { seed: 1 }))).toEqual(range(20));
    // It pulls from the source only as far as it needs.
    const { ds, state } = counted(1000);
    await ds.shuffle(10, { seed: 1 }).take(1).toArray();
    expect(state.pulled).toBe(11);
  });

  it('shuffles rows of tensors together and draws each rank as often (a uniform shuffle over passes)', async () => {
    const x = tensor(range(6).map((i) => [i, 10 * i]));
    const rows = await dataset({ xs: x, ys: tensor(range(6)) }).shuffle(6, { seed: 2 }).toArray();
    for (const row of rows) expect(values(row.xs)[0]).toBe(row.ys.item());
    // Over many passes every element lands first about equally often.
    const ds = array(range(4)).shuffle(4, { seed: 5 });
    const firsts = [0, 0, 0, 0];
    for (let pass = 0; pass < 2000; pass++) firsts[(await ds.take(1).toArray())[0]]++;
    for (const count of firsts) expect(Math.abs(count - 500)).toBeLessThan(90);
  });
});
