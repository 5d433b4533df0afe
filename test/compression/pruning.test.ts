// Magnitude pruning: errors, schedules, masks, every optimizer honouring them, strip, the report, and sparse saving.
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as dn from '../../lib/index.js';
import { ArgumentTypeError, SerializationError, ValueError } from '../../lib/errors.js';
import { decodeSafetensors, encodeSafetensors } from '../../lib/io/safetensors.js';
import { magnitudeMask, nOfMMask } from '../../lib/compression/pruning/masks.js';
import { randomTensor } from '../helpers/gradcheck.js';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});
function folder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'dendrite-pruning-'));
  dirs.push(dir);
  return dir;
}

function mlp(seed = 1): dn.Sequential {
  return dn.sequential({ layers: [
    dn.layers.dense({ units: 16, activation: 'relu', inputShape: [8], kernelInitializer: dn.initializers.glorotUniform({ seed }) }),
    dn.layers.dropout({ rate: 0.1 }),
    dn.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: dn.initializers.glorotUniform({ seed: seed + 1 }) }),
  ] });
}

const x = randomTensor([32, 8], { seed: 5 });
const y = dn.tensor(Array.from({ length: 32 }, (_, i) => i % 3), [32], 'int32');

function zerosOf(values: ArrayLike<number>): number {
  let zeros = 0;
  for (let i = 0; i < values.length; i++) if (values[i] === 0) zeros++;
  return zeros;
}

describe('pruning: should throw', () => {
  it('rejects bad targets and options, naming them', () => {
    const unbuilt = dn.sequential({ layers: [dn.layers.dense({ units: 3 })] });
    expect(() => dn.pruning.pruneLowMagnitude(unbuilt, { targetSparsity: 0.5 })).toThrow(/the model sequential_\d+ is not built yet/);
    expect(() => dn.pruning.pruneLowMagnitude({} as never, { targetSparsity: 0.5 })).toThrow(ArgumentTypeError);
    expect(() => dn.pruning.pruneLowMagnitude(mlp(), { targetSparsity: 1 })).toThrow(/targetSparsity must be a number in \[0, 1\), got 1/);
    expect(() => dn.pruning.pruneLowMagnitude(mlp(), { targetSparsity: -0.1 })).toThrow(ValueError);
    expect(() => dn.pruning.pruneLowMagnitude(mlp(), {})).toThrow(/give targetSparsity/);
    expect(() => dn.pruning.pruneLowMagnitude(mlp(), { schedule: 0.5 as never })).toThrow(ArgumentTypeError);
    const schedule = dn.pruning.polynomialDecay({ initialSparsity: 0, finalSparsity: 0.8, endStep: 10 });
    expect(() => dn.pruning.pruneLowMagnitude(mlp(), { targetSparsity: 0.5, schedule })).toThrow(/differs from the schedule's final sparsity 0.8/);
    expect(() => dn.pruning.pruneLowMagnitude(mlp(), { structured: [4, 4] })).toThrow(/structured must be \[n, m\]/);
    expect(() => dn.pruning.pruneLowMagnitude(mlp(), { structured: [2, 3] })).toThrow(/dense_\d+\/kernel has shape \[8, 16\]; structured \[2, 3\] needs its input axis \(8\) to be a multiple of 3/);
    expect(() => dn.pruning.pruneLowMagnitude(mlp(), { targetSparsity: 0.5, sparsity: 0.5 } as never)).toThrow(/sparsity/);
  });

  it('names a layer without weights to prune', () => {
    const model = mlp();
    const dropout = model.layers[1];
    expect(() => dn.pruning.pruneLowMagnitude(dropout, { targetSparsity: 0.5 })).toThrow(new RegExp(`the layer ${dropout.name} \\(Dropout\\) has no weights to prune`));
    const noKernels = dn.sequential({ layers: [dn.layers.flatten({ inputShape: [2, 2] })] });
    expect(() => dn.pruning.pruneLowMagnitude(noKernels, { targetSparsity: 0.5 })).toThrow(/has no layer with weights to prune.*Flatten/);
  });

  it('rejects bad schedules and a callback on a model that is not pruned', async () => {
    expect(() => dn.pruning.polynomialDecay({ initialSparsity: 0, finalSparsity: 0.5, beginStep: 10, endStep: 10 })).toThrow(/endStep \(10\) must be greater than beginStep \(10\)/);
    expect(() => dn.pruning.polynomialDecay({ initialSparsity: 0, finalSparsity: 0.5 } as never)).toThrow(/endStep is required/);
    expect(() => dn.pruning.polynomialDecay({ initialSparsity: 0, finalSparsity: 1, endStep: 5 })).toThrow(/finalSparsity must be a number in \[0, 1\)/);
    expect(() => dn.pruning.polynomialDecay({ initialSparsity: 0, finalSparsity: 0.5, endStep: 5, frequency: 0 })).toThrow(/frequency/);
    expect(() => dn.pruning.constantSparsity({ targetSparsity: 0.5, beginStep: -1 })).toThrow(/beginStep/);
    const model = mlp();
    model.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    await expect(model.fit(x, y, { verbose: 0, callbacks: [dn.pruning.updatePruningStep()] })).rejects.toThrow(/has no pruned weights; call dn.pruning.pruneLowMagnitude/);
  });
});

describe('pruning schedules', () => {
  it('polynomialDecay follows TFMOT: sparsity (initial - final)(1 - p)^3 + final, masks updated every frequency steps from beginStep to endStep', () => {
    const s = dn.pruning.polynomialDecay({ initialSparsity: 0.2, finalSparsity: 0.8, beginStep: 10, endStep: 30, frequency: 5 });
    expect(s.sparsityAt(0)).toBeCloseTo(0.2, 12);
    expect(s.sparsityAt(20)).toBeCloseTo(-0.6 * 0.125 + 0.8, 12);
    expect(s.sparsityAt(30)).toBeCloseTo(0.8, 12);
    expect(s.sparsityAt(99)).toBeCloseTo(0.8, 12);
    const steps = Array.from({ length: 40 }, (_, i) => i).filter((i) => s.at(i).prune);
    expect(steps).toEqual([10, 15, 20, 25, 30]);
    const c = dn.pruning.constantSparsity({ targetSparsity: 0.5, beginStep: 2, frequency: 3 });
    expect(Array.from({ length: 12 }, (_, i) => i).filter((i) => c.at(i).prune)).toEqual([2, 5, 8, 11]);
    expect(c.at(5).sparsity).toBe(0.5);
    expect(s.getConfig()).toEqual({ initialSparsity: 0.2, finalSparsity: 0.8, beginStep: 10, endStep: 30, power: 3, frequency: 5 });
  });
});

describe('pruning masks', () => {
  it('keeps the round(size (1 - sparsity)) largest magnitudes', () => {
    const w = Float32Array.from([0.5, -3, 0.1, 2, -0.2, 1, 0.05, -4]);
    expect([...magnitudeMask(w, 0.75)]).toEqual([0, 1, 0, 0, 0, 0, 0, 1]);
    expect([...magnitudeMask(w, 0.5)]).toEqual([0, 1, 0, 1, 0, 1, 0, 1]);
    expect([...magnitudeMask(w, 0)]).toEqual([1, 1, 1, 1, 1, 1, 1, 1]);
    // At least one weight is kept.
    expect(zerosOf(magnitudeMask(w, 0.99))).toBe(7);
  });

  it('N:M keeps n of every m along the input axis', () => {
    // A [4, 2] kernel: column 0 is 1, -5, 3, 0.5 and column 1 is 9, 8, -7, 6.
    const w = Float32Array.from([1, 9, -5, 8, 3, -7, 0.5, 6]);
    expect([...nOfMMask(w, [4, 2], { n: 2, m: 4 })]).toEqual([0, 1, 1, 1, 1, 0, 0, 0]);
  });
});

/** Trains a pruned model for `steps` batches, checking after every update that each masked weight is zero. */
async function trainChecking(model: dn.Sequential, optimizer: dn.Optimizer, steps: number): Promise<number> {
  model.compile({ optimizer, loss: 'sparseCategoricalCrossentropy' });
  const kernels = model.weights.filter((v) => v.name.endsWith('/kernel'));
  let checked = 0;
  await model.fit(x, y, {
    epochs: steps / 4, batchSize: 8, verbose: 0, seed: 3,
    callbacks: [dn.pruning.updatePruningStep(), {
      onBatchEnd: () => {
        for (const v of kernels) {
          const mask = v.mask!;
          const values = v.value.storage;
          for (let i = 0; i < mask.length; i++) if (mask[i] === 0) expect(values[i]).toBe(0);
          checked++;
        }
      },
    }],
  });
  return checked;
}

describe('pruneLowMagnitude', () => {
  it('every optimizer keeps pruned weights at zero after each update (momentum and moments included)', async () => {
    const optimizers: [string, () => dn.Optimizer][] = [
      ['sgd momentum nesterov', () => dn.optimizers.sgd({ learningRate: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01 })],
      ['adam', () => dn.optimizers.adam({ learningRate: 0.05, amsgrad: true })],
      ['adamw', () => dn.optimizers.adamw({ learningRate: 0.05 })],
      ['rmsprop', () => dn.optimizers.rmsprop({ learningRate: 0.05, momentum: 0.5, centered: true })],
      ['adagrad', () => dn.optimizers.adagrad({ learningRate: 0.1 })],
      ['adamax', () => dn.optimizers.adamax({ learningRate: 0.05 })],
      ['adadelta', () => dn.optimizers.adadelta({ learningRate: 1 })],
      ['nadam', () => dn.optimizers.nadam({ learningRate: 0.05 })],
    ];
    for (const [name, make] of optimizers) {
      const model = mlp(7);
      // Train unpruned first, so momentum and moments are non-zero when the masks arrive.
      const optimizer = make();
      model.compile({ optimizer, loss: 'sparseCategoricalCrossentropy' });
      await model.fit(x, y, { epochs: 1, batchSize: 8, verbose: 0, seed: 1 });
      dn.pruning.pruneLowMagnitude(model, { schedule: dn.pruning.polynomialDecay({ initialSparsity: 0.3, finalSparsity: 0.7, beginStep: 0, endStep: 12, frequency: 4 }) });
      expect(await trainChecking(model, optimizer, 16), name).toBe(32);
      const report = dn.pruning.sparsityReport(model);
      for (const row of report.weights) expect(row.sparsity, `${name} ${row.weight}`).toBeCloseTo(0.7, 1);
      const state = optimizer.getWeights().filter((w) => w.name.startsWith(`${model.layers[0].name}/kernel/`));
      expect(state.length, name).toBeGreaterThan(0);
      // A pruned weight's state is what a fresh one's would be (cleared when the mask arrived, no gradient since).
      const mask = model.layers[0].weights[0].mask!;
      for (const { name: slot, tensor } of state) {
        const values = tensor.dataSync();
        const fresh = name === 'adagrad' ? Math.fround(0.1) : 0;
        for (let i = 0; i < mask.length; i++) if (mask[i] === 0) expect(values[i], `${name} ${slot}`).toBe(fresh);
      }
    }
  });

  it('prunes on the schedule, strip keeps the zeros and lets training change them again, and the report says so', async () => {
    const model = mlp(3);
    const first = model.layers[0];
    dn.pruning.pruneLowMagnitude(first, { targetSparsity: 0.75 });
    model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    await model.fit(x, y, { epochs: 2, batchSize: 8, verbose: 0, seed: 2, callbacks: [dn.pruning.updatePruningStep()] });
    expect(zerosOf(first.weights[0].value.storage)).toBe(96);
    expect(zerosOf(model.layers[2].weights[0].value.storage)).toBe(0);
    const report = dn.pruning.sparsityReport(model);
    expect(report.weights.map((r) => [r.weight, r.zeros, r.size, r.targetSparsity])).toEqual([
      [`${first.name}/kernel`, 96, 128, 0.75], [`${model.layers[2].name}/kernel`, 0, 48, null],
    ]);
    expect(report.sparsity).toBeCloseTo(96 / 176, 12);
    const text = report.toString();
    expect(text).toContain(`${first.name}/kernel`);
    expect(text).toMatch(/96 \/ 128\s+75\.0 %\s+75\.0 %/);
    expect(text).toMatch(/total\s+\S*\s*96 \/ 176\s+54\.5 %/);
    dn.pruning.strip(model);
    expect(first.weights[0].mask).toBeNull();
    expect(dn.pruning.sparsityReport(model).weights[0].targetSparsity).toBeNull();
    expect(zerosOf(first.weights[0].value.storage)).toBe(96);
    // A pruned model serves as any other: predictAsync on the worker equals predict.
    expect((await model.predictAsync(x)).dataSync()).toEqual(model.predict(x).dataSync());
    await model.fit(x, y, { epochs: 1, batchSize: 8, verbose: 0, seed: 2 });
    expect(zerosOf(first.weights[0].value.storage)).toBeLessThan(96);
  });

  it('counts steps from when pruning begins, across fit calls', async () => {
    const model = mlp(9);
    model.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    await model.fit(x, y, { epochs: 2, batchSize: 8, verbose: 0 });
    expect(model.optimizer!.iterations).toBe(8);
    const schedule = dn.pruning.polynomialDecay({ initialSparsity: 0.25, finalSparsity: 0.5, beginStep: 0, endStep: 6, frequency: 6, power: 1 });
    dn.pruning.pruneLowMagnitude(model.layers[0], { schedule });
    const callback = dn.pruning.updatePruningStep();
    await model.fit(x, y, { epochs: 1, batchSize: 8, verbose: 0, callbacks: [callback] });
    expect(zerosOf(model.layers[0].weights[0].value.storage)).toBe(32);
    await model.fit(x, y, { epochs: 1, batchSize: 8, verbose: 0, callbacks: [callback] });
    expect(zerosOf(model.layers[0].weights[0].value.storage)).toBe(64);
  });

  it('prunes convolution kernels in N:M groups along the input channels', async () => {
    const model = dn.sequential({ layers: [
      dn.layers.conv2d({ filters: 4, kernelSize: 3, inputShape: [5, 5, 8], kernelInitializer: dn.initializers.glorotUniform({ seed: 4 }) }),
      dn.layers.flatten(),
      dn.layers.dense({ units: 3, activation: 'softmax' }),
    ] });
    dn.pruning.pruneLowMagnitude(model.layers[0], { structured: [2, 4] });
    model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    const images = randomTensor([8, 5, 5, 8], { seed: 6 });
    await model.fit(images, dn.tensor([0, 1, 2, 0, 1, 2, 0, 1], [8], 'int32'), { epochs: 2, batchSize: 4, verbose: 0, callbacks: [dn.pruning.updatePruningStep()] });
    const kernel = model.layers[0].weights[0].value.storage;
    // [3, 3, 8, 4]: for every (kh, kw, filter), each run of 4 input channels holds at most 2 non-zeros.
    for (let position = 0; position < 9; position++) {
      for (let filter = 0; filter < 4; filter++) {
        for (const start of [0, 4]) {
          let nonzero = 0;
          for (let c = start; c < start + 4; c++) if (kernel[position * 32 + c * 4 + filter] !== 0) nonzero++;
          expect(nonzero).toBeLessThanOrEqual(2);
        }
      }
    }
    expect(dn.pruning.sparsityReport(model.layers[0]).weights[0].structure).toBe('2:4');
  });
});

describe('saving a pruned model', () => {
  it('stores sparse kernels compressed and loads them back bit for bit', async () => {
    const model = dn.sequential({ layers: [
      dn.layers.dense({ units: 64, activation: 'relu', inputShape: [32] }),
      dn.layers.dense({ units: 10, activation: 'softmax' }),
    ] });
    const dense = folder();
    await model.save(dense);
    dn.pruning.pruneLowMagnitude(model, { targetSparsity: 0.8 });
    model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    const inputs = randomTensor([16, 32], { seed: 8 });
    await model.fit(inputs, dn.tensor(Array.from({ length: 16 }, (_, i) => i % 10), [16], 'int32'), { verbose: 0, batchSize: 8, callbacks: [dn.pruning.updatePruningStep()] });
    // A negative zero and a NaN payload survive as values.
    const kernel = model.layers[1].weights[0];
    const nonzeroAt = [...kernel.value.storage].findIndex((v) => v !== 0);
    kernel.value.storage[nonzeroAt] = -0;
    const nan = new Float32Array(new Uint32Array([0x7fc01234]).buffer)[0];
    const secondAt = [...kernel.value.storage].findIndex((v, i) => v !== 0 && i > nonzeroAt);
    kernel.value.storage[secondAt] = nan;
    kernel.markChanged();
    const pruned = folder();
    await model.save(pruned);
    const denseBytes = statSync(join(dense, 'weights.safetensors')).size;
    const prunedBytes = statSync(join(pruned, 'weights.safetensors')).size;
    // 80 % zeros: about 0.2 * 4 + 1 / 8 bytes per kernel weight instead of 4.
    expect(prunedBytes).toBeLessThan(denseBytes * 0.35);
    const file = decodeSafetensors(readFileSync(join(pruned, 'weights.safetensors')));
    expect(file.entries.get(`${model.layers[0].name}/kernel/bitmap`)?.dtype).toBe('U8');
    expect(file.entries.has(`${model.layers[0].name}/kernel`)).toBe(false);
    expect(file.entries.get(`${model.layers[0].name}/bias`)?.dtype).toBe('F32');
    const loaded = await dn.loadModel(pruned);
    const bits = (m: dn.Model): number[][] => m.getWeights().map((t) => [...new Uint32Array(Float32Array.from(t.dataSync()).buffer)]);
    expect(bits(loaded)).toEqual(bits(model));
    const fromBuffer = await dn.loadModelFromBuffer(await model.saveToBuffer());
    expect(bits(fromBuffer)).toEqual(bits(model));
    // TensorFlow.js's format has no sparse tensors: the kernels are written dense.
    const tfjs = folder();
    await model.save(tfjs, { format: 'tfjs' });
    expect(bits(await dn.loadLayersModel(join(tfjs, 'model.json')))).toEqual(bits(model));
  });

  it('refuses a tampered sparse kernel with a SerializationError naming it', async () => {
    const model = dn.sequential({ layers: [dn.layers.dense({ units: 8, inputShape: [8], name: 'sparse_dense', kernelInitializer: dn.initializers.glorotUniform({ seed: 3 }) })] });
    dn.pruning.pruneLowMagnitude(model, { targetSparsity: 0.75 });
    model.compile({ optimizer: 'sgd', loss: 'mse' });
    await model.fit(randomTensor([4, 8], { seed: 1 }), randomTensor([4, 8], { seed: 2 }), { verbose: 0, callbacks: [dn.pruning.updatePruningStep()] });
    const buffer = await model.saveToBuffer();
    const tamper = async (edit: (tensors: Map<string, any>, metadata: Record<string, string>) => void): Promise<unknown> => {
      const file = decodeSafetensors(buffer);
      const tensors = file.readAll();
      const metadata = { ...file.metadata };
      delete metadata['dendrite.dataSha256'];
      edit(tensors, metadata);
      return dn.loadModelFromBuffer(encodeSafetensors(tensors, metadata));
    };
    await expect(tamper(() => {})).resolves.toBeDefined();
    await expect(tamper((t) => { t.get('sparse_dense/kernel/bitmap').data[0] ^= 0x01; })).rejects.toThrow(/sparse tensor 'sparse_dense\/kernel': its bitmap marks \d+ non-zero elements but 'sparse_dense\/kernel\/nonzero' holds 16/);
    await expect(tamper((t) => t.delete('sparse_dense/kernel/nonzero'))).rejects.toThrow(SerializationError);
    await expect(tamper((_, m) => { m['dendrite.sparse'] = JSON.stringify({ 'sparse_dense/kernel': [8, 9] }); })).rejects.toThrow(/must be U8 of shape \[9\]/);
    await expect(tamper((_, m) => { m['dendrite.sparse'] = JSON.stringify({ 'sparse_dense/kernel': [2 ** 20, 2 ** 20] }); })).rejects.toThrow(/more than the \d+ a tensor may hold/);
    await expect(tamper((_, m) => { m['dendrite.sparse'] = '[1, 2]'; })).rejects.toThrow(/must be a JSON object/);
    await expect(tamper((_, m) => { m['dendrite.sparse'] = '{'; })).rejects.toThrow(SerializationError);
    await expect(tamper((t) => { t.set('sparse_dense/kernel', { dtype: 'F32', shape: [8, 8], data: new Float32Array(64) }); })).rejects.toThrow(/also stored dense/);
    // A 7-element kernel's bitmap with its eighth bit set.
    const odd = dn.sequential({ layers: [dn.layers.dense({ units: 7, inputShape: [1], useBias: false, name: 'odd' })] });
    odd.layers[0].setWeights([dn.tensor([[0, 0, 0, 0, 0, 1, 2]])]);
    const oddFile = decodeSafetensors(await odd.saveToBuffer());
    const tensors = oddFile.readAll();
    (tensors.get('odd/kernel/bitmap')!.data as Uint8Array)[0] |= 0x80;
    (tensors.get('odd/kernel/bitmap')!.data as Uint8Array)[0] &= ~0x20;
    const metadata = { ...oddFile.metadata };
    delete metadata['dendrite.dataSha256'];
    await expect(dn.loadModelFromBuffer(encodeSafetensors(tensors, metadata))).rejects.toThrow(/sets bits past element 7/);
  });
});
