// Embedding layer and dn.embeddingLookup: validation (ids out of range, non-integers, bad dtypes), the
// lookup, the scatter-add gradient (repeated ids add up; only looked-up rows touched, in place in the
// optimizer's flat buffer), masks from maskZero, every ISA, training in a model, and the config.
import { afterAll, describe, expect, it } from 'vitest';
import * as dn from '../../lib/index.js';
import { ArgumentTypeError, DTypeError, ShapeError, ValueError } from '../../lib/errors.js';
import { binding } from '../../lib/native.js';
import { deserializeLayer, serializeLayer } from '../../lib/layers/registry.js';
import { gradcheck, randomTensor } from '../helpers/gradcheck.js';

const startIsa = binding.backendInfo().isa;
afterAll(() => binding.setIsa(startIsa));

const ids = (values: number[][]): dn.Tensor => dn.tensor(values, undefined, 'int32');

describe('embedding: should throw', () => {
  it('rejects missing or bad settings', () => {
    expect(() => dn.layers.embedding({ inputDim: 10 } as never)).toThrow(/inputDim \(the vocabulary size\) and outputDim \(the vector length\) are required/);
    expect(() => dn.layers.embedding({ inputDim: 0, outputDim: 2 })).toThrow(ValueError);
    expect(() => dn.layers.embedding({ inputDim: 3, outputDim: 2, maskZero: 1 } as never)).toThrow(ArgumentTypeError);
    expect(() => dn.layers.embedding({ inputDim: 3, outputDim: 2, mask_zero: true } as never)).toThrow(/unknown option 'mask_zero'/);
    expect(() => dn.layers.embedding({ inputDim: 1e6, outputDim: 1e4 })).toThrow(/exceeds the largest tensor/);
  });

  it('rejects token ids out of range or not integers, naming the layer, the id and its index', () => {
    const layer = dn.layers.embedding({ inputDim: 5, outputDim: 2 });
    expect(() => layer.apply(ids([[1, 5]]))).toThrow(ValueError);
    expect(() => layer.apply(ids([[1, 5]]))).toThrow(/embedding_\d+: the input holds the id 5 at index 1, out of range for inputDim 5 \(ids must be in \[0, 5\)\)/);
    expect(() => layer.apply(ids([[-1]]))).toThrow(/the id -1 at index 0/);
    expect(() => layer.apply(dn.tensor([[1.5, 2]]))).toThrow(/must hold integer ids, got 1.5 at index 0/);
    expect(() => dn.embeddingLookup(dn.zeros([3, 2]), ids([[3]]))).toThrow(/embeddingLookup: ids holds the id 3 at index 0, out of range for a table of 3 rows/);
    expect(() => dn.embeddingLookup(dn.zeros([3]), ids([[0]]))).toThrow(ShapeError);
    expect(() => dn.embeddingLookup(dn.zeros([3, 2], 'int32'), ids([[0]]))).toThrow(DTypeError);
  });

  it('the raw binding checks indices and lengths too', () => {
    const out = new Float32Array(4);
    expect(() => binding.gatherRows(new Float32Array(6), 3, 2, Int32Array.of(0, 3), 2, out)).toThrow(/gatherRows: indices\[1\] = 3 is out of range for a table of 3 rows/);
    expect(() => binding.gatherRows(new Float32Array(5), 3, 2, Int32Array.of(0), 1, out)).toThrow(/table needs at least 6 elements/);
    expect(() => binding.scatterAddRows(new Float32Array(2), 2, Int32Array.of(-1), 1, new Float32Array(6), 3)).toThrow(ValueError);
    expect(() => binding.scatterAddRows(new Float32Array(2), 2, new Float32Array(1) as never, 1, new Float32Array(6), 3)).toThrow(ArgumentTypeError);
  });
});

describe('embedding', () => {
  it('looks rows up for ids of any shape, int32 or whole float32', () => {
    const table = dn.tensor([[0, 0], [1, 10], [2, 20], [3, 30]]);
    expect(dn.embeddingLookup(table, ids([[3, 1], [0, 3]])).toArray()).toEqual([[[3, 30], [1, 10]], [[0, 0], [3, 30]]]);
    expect(dn.embeddingLookup(table, dn.tensor([2, 2])).toArray()).toEqual([[2, 20], [2, 20]]);
    const layer = dn.layers.embedding({ inputDim: 4, outputDim: 2, embeddingsInitializer: dn.initializers.constant({ value: 1 }) });
    expect(layer.apply(ids([[1, 2, 3]])).shape).toEqual([1, 3, 2]);
    expect(layer.apply(dn.tensor([1, 2])).shape).toEqual([2, 2]);
    expect(layer.apply(ids([[1, 2, 3, 0, 1]])).shape).toEqual([1, 5, 2]);  // any length after build
  });

  it('its gradient adds each row\'s gradient into the row it came from (repeated ids add up)', () => {
    const index = ids([[2, 0, 2], [2, 1, 3]]);
    gradcheck((table) => dn.embeddingLookup(table, index), [randomTensor([5, 3], { seed: 2 })]);
    const table = dn.zeros([5, 2], { requiresGrad: true });
    dn.embeddingLookup(table, index).sum().backward();
    expect(table.grad!.toArray()).toEqual([[1, 1], [1, 1], [3, 3], [1, 1], [0, 0]]);
  });

  it('writes the gradient in place into the optimizer\'s flat buffer, touching only the looked-up rows', () => {
    const layer = dn.layers.embedding({ inputDim: 6, outputDim: 2 });
    layer.build([null, 2]);
    const optimizer = dn.optimizers.sgd(0.1);
    optimizer.build(layer.trainableWeights);
    const grad = layer.embeddings!.value.grad!;
    const buffer = grad.storage;
    buffer.fill(7);  // rows not looked up must keep this
    layer.apply(ids([[1, 4], [4, 4]]), { training: true }).sum().backward();
    expect(layer.embeddings!.value.grad).toBe(grad);
    expect(Array.from(buffer)).toEqual([7, 7, 8, 8, 7, 7, 7, 7, 10, 10, 7, 7]);
  });

  it('with maskZero, its output carries a mask of the non-zero ids', () => {
    const layer = dn.layers.embedding({ inputDim: 5, outputDim: 3, maskZero: true });
    const y = layer.apply(ids([[4, 2, 0], [0, 1, 0]]));
    expect(dn.layers.getMask(y)?.toArray()).toEqual([[1, 1, 0], [0, 1, 0]]);
    expect(dn.layers.getMask(dn.layers.embedding({ inputDim: 5, outputDim: 3 }).apply(ids([[4, 0]])))).toBeNull();
  });

  it('is the same on every ISA', () => {
    const table = randomTensor([40, 33], { seed: 3 });
    const index = ids([[39, 0, 7, 7, 12]]);
    binding.setIsa('scalar');
    const reference = dn.embeddingLookup(table, index).dataSync().slice();
    for (const isa of binding.backendInfo().isas) {
      binding.setIsa(isa);
      expect(Array.from(dn.embeddingLookup(table, index).dataSync())).toEqual(Array.from(reference));
    }
    binding.setIsa(startIsa);
  });

  it('trains in a model on int32 ids and rebuilds from its config', async () => {
    const model = dn.sequential({ layers: [
      dn.layers.embedding({ inputDim: 4, outputDim: 3, inputLength: 2, embeddingsInitializer: dn.initializers.randomUniform({ seed: 1 }) }),
      dn.layers.flatten(),
      dn.layers.dense({ units: 1, activation: 'sigmoid', kernelInitializer: dn.initializers.glorotUniform({ seed: 2 }) }),
    ] });
    model.compile({ optimizer: dn.optimizers.adam(0.1), loss: 'binaryCrossentropy' });
    const x = ids([[1, 2], [3, 0], [2, 2], [0, 3]]);
    const y = dn.tensor([1, 0, 1, 0]);
    const history = await model.fit(x, y, { epochs: 30, batchSize: 4, verbose: 0, seed: 1 });
    expect(history.history.loss[29]).toBeLessThan(0.1 * history.history.loss[0]);
    expect(() => model.predict(ids([[4, 0]]))).toThrow(/out of range for inputDim 4/);
    const layer = model.layers[0];
    expect(deserializeLayer(serializeLayer(layer)).getConfig()).toEqual(layer.getConfig());
  });
});
