import { afterEach, describe, expect, it, vi } from 'vitest';
import * as dn from '../../lib/index.js';
import { binding } from '../../lib/native.js';

afterEach(() => {
  vi.restoreAllMocks();
});

function mlp(seed: number): dn.Sequential {
  dn.seed(seed);
  return dn.sequential({ layers: [
    dn.layers.dense({ units: 48, activation: 'relu', inputShape: [64] }),
    dn.layers.dense({ units: 24 }),
    dn.layers.activation({ activation: 'gelu' }),
    dn.layers.dense({ units: 10, activation: 'softmax' }),
  ] });
}

describe('predictAsync of int8 models', () => {
  it('runs static and dynamic int8 models natively on the worker, bit for bit as predict, across passes', async () => {
    const model = mlp(1);
    // 20,000 rows of 64 floats: more than one 4 MB pass, so pass boundaries must fall on predict's batches.
    const x = dn.randn([20_000, 64], { seed: 2 });
    for (const int8 of [dn.quantize(model, { mode: 'static', calibrationData: x.slice(0, 256) }), dn.quantize(model)]) {
      expect(int8.layers.map((l) => l.className)).toEqual(['QuantizedDense', 'QuantizedDense', 'Activation', 'QuantizedDense']);
      const worker = vi.spyOn(binding, 'forwardAsync');
      for (const batchSize of [32, 100]) {
        const expected = int8.predict(x, { batchSize }).toArray();
        expect((await int8.predictAsync(x, { batchSize })).toArray()).toEqual(expected);
      }
      expect(worker).toHaveBeenCalled();
      // One int8Dense step per layer; the gelu folded into the second one's epilogue; the softmax a step of its own.
      const plan = vi.spyOn(binding, 'forwardPlan');
      model.layers[0]!.setWeights(model.layers[0]!.getWeights());
      const fresh = dn.quantize(model, { mode: 'dynamic' });
      await fresh.predictAsync(x.slice(0, 3));
      expect(plan.mock.calls[0]![0].map((s) => s.kind)).toEqual(['int8Dense', 'int8Dense', 'int8Dense', 'softmax']);
      worker.mockRestore();
      plan.mockRestore();
    }
  });

  it('runs a graph model with an int8 layer and a float layer on the worker', async () => {
    const input = dn.input({ shape: [64] });
    const a = dn.layers.dense({ units: 16, activation: 'relu' }).apply(input) as dn.SymbolicTensor;
    const b = dn.layers.dense({ units: 16, activation: 'tanh' }).apply(input) as dn.SymbolicTensor;
    const out = dn.layers.dense({ units: 3 }).apply(dn.layers.concatenate().apply([a, b]) as dn.SymbolicTensor) as dn.SymbolicTensor;
    const graph = dn.model({ inputs: input, outputs: out });
    const x = dn.randn([300, 64], { seed: 3 }).mul(2);
    const int8 = dn.quantize(graph, { mode: 'static', calibrationData: x, exclude: [graph.layers[2]!.name] });
    const worker = vi.spyOn(binding, 'forwardAsync');
    expect((await int8.predictAsync(x)).toArray()).toEqual(int8.predict(x).toArray());
    expect(worker).toHaveBeenCalled();
  });

  it('the native plan refuses malformed int8 steps with typed errors', () => {
    const packed = new Int8Array(binding.int8.packedLength(4, 2));
    const good = { kind: 'int8Dense' as const, packed, columnSums: new Int32Array(2), scales: new Float32Array(2), bias: null, inputs: 4, units: 2, activation: 0, param: 0, aScale: 0, aZeroPoint: 0 };
    expect(() => binding.forwardPlan([good], [4])).not.toThrow();
    expect(() => binding.forwardPlan([{ ...good, packed: new Int8Array(3) }], [4])).toThrow(/packed must hold/);
    expect(() => binding.forwardPlan([{ ...good, columnSums: new Float32Array(2) as never }], [4])).toThrow(/columnSums must be an Int32Array/);
    expect(() => binding.forwardPlan([{ ...good, aScale: -1 }], [4])).toThrow(/aScale must be 0 \(dynamic\) or a positive finite/);
    expect(() => binding.forwardPlan([{ ...good, aZeroPoint: 256 }], [4])).toThrow(/aZeroPoint/);
    expect(() => binding.forwardPlan([{ ...good, inputs: 5 }], [4])).toThrow(/inputs/);
  });
});
