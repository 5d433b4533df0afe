// Functional models: dn.input, layer.apply on symbolic tensors, dn.model, and the executor they share with Sequential.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as dn from '../../lib/index.js';
import { ArgumentTypeError, DTypeError, SerializationError, ShapeError, ValueError } from '../../lib/errors.js';

const folder = mkdtempSync(join(tmpdir(), 'dendrite-functional-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

/** The 4-16-3 classifier as dense layers with seeded initializers (the same weights every call). */
function denseStack(): dn.layers.Dense[] {
  return [
    dn.layers.dense({ units: 16, activation: 'relu', kernelInitializer: dn.initializers.heNormal({ seed: 1 }), biasInitializer: dn.initializers.randomUniform({ seed: 9 }) }),
    dn.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: dn.initializers.glorotUniform({ seed: 2 }) }),
  ];
}

function functionalClassifier(): dn.Functional<dn.Tensor> {
  const [hidden, output] = denseStack();
  const input = dn.input({ shape: [4] });
  return dn.model({ inputs: input, outputs: output.apply(hidden.apply(input)) });
}

const same = (a: dn.Tensor, b: dn.Tensor): boolean => a.dataSync().every((v, i) => Object.is(v, b.dataSync()[i]));

describe('functional: should throw', () => {
  it('validates dn.input', () => {
    expect(() => dn.input(undefined as never)).toThrow(ValueError);
    expect(() => dn.input({} as never)).toThrow(/input: shape is required/);
    expect(() => dn.input({ shape: [0] })).toThrow('input: shape[0] must be an integer from 1 to 2147483647, got 0');
    expect(() => dn.input({ shape: 4 as never })).toThrow(ArgumentTypeError);
    expect(() => dn.input({ shape: [4], dtype: 'float64' as never })).toThrow(/unknown dtype 'float64'/);
    expect(() => dn.input({ shape: [4], shap: [3] } as never)).toThrow(/unknown option 'shap'/);
    expect(() => dn.input({ shape: [4], name: 'a b' })).toThrow(/name must be a non-empty name without spaces/);
    expect(() => dn.layers.inputLayer({ batchInputShape: [8, 4] })).toThrow(/batchInputShape\[0\] must be null/);
  });

  it('names the layer and both shapes when a layer does not fit its symbolic input', () => {
    const input = dn.input({ shape: [4] });
    const dense = dn.layers.dense({ units: 2, inputShape: [3], name: 'fixed_in' });
    expect(() => dense.apply(input)).toThrow(ShapeError);
    expect(() => dense.apply(input)).toThrow('fixed_in: expected input with shape [null, 3], got shape [null, 4]');
    const shared = dn.layers.dense({ units: 2, name: 'built_once' });
    shared.apply(input);
    expect(() => shared.apply(dn.input({ shape: [5] }))).toThrow('built_once: expected input with last dimension 4, got shape [null, 5]');
    expect(() => dn.layers.dense({ units: 2 }).apply(dn.input({ shape: [] }))).toThrow(/expected input of rank at least 2/);
    expect(() => dn.layers.dense({ units: 2 }).apply(dn.input({ shape: [4], dtype: 'int32' }))).toThrow(DTypeError);
    expect(() => dn.layers.dense({ units: 2 }).apply([input, dn.ones([1, 4])] as never)).toThrow(/inputs\[1\] must be a symbolic tensor like the others/);
  });

  it('validates dn.model: inputs from dn.input, a connected graph, unique names', () => {
    const input = dn.input({ shape: [4], name: 'features' });
    const hidden = dn.layers.dense({ units: 3, name: 'h' }).apply(input);
    expect(() => dn.model({ inputs: input } as never)).toThrow(/inputs and outputs are required/);
    expect(() => dn.model({ inputs: input, outputs: dn.ones([2]) as never })).toThrow(ArgumentTypeError);
    expect(() => dn.model({ inputs: [], outputs: hidden })).toThrow(/inputs must name at least one symbolic tensor/);
    expect(() => dn.model({ inputs: hidden, outputs: hidden })).toThrow("model: inputs[0] (h) must come from dn.input, not from layer 'h'");
    expect(() => dn.model({ inputs: [input, input], outputs: hidden })).toThrow(/is given twice/);
    expect(() => dn.model({ inputs: input, outputs: hidden, nme: 'x' } as never)).toThrow(/did you mean 'name'/);
    const other = dn.input({ shape: [3], name: 'other' });
    const joined = dn.layers.dense({ units: 2, name: 'needs_other' }).apply(other);
    expect(() => dn.model({ inputs: input, outputs: [hidden, joined] })).toThrow(
      "model: the graph is disconnected: layer 'needs_other' needs input 'other', which is not among the model's inputs (features); add it to inputs",
    );
    const twin = dn.layers.dense({ units: 3, name: 'h_twin' });
    const renamed = Object.defineProperty(twin, 'name', { value: 'h' });
    expect(() => dn.model({ inputs: input, outputs: [hidden, renamed.apply(input)] })).toThrow(/two layers are named 'h'/);
  });

  it('checks the data given to a graph model against its inputs', () => {
    const model = functionalClassifier();
    expect(() => model.predict(dn.ones([2, 5]))).toThrow(ShapeError);
    expect(() => model.predict(dn.ones([2, 5]))).toThrow(/input_\d+: expected input with shape \[null, 4\], got shape \[2, 5\]/);
    expect(() => model.predict(dn.tensor(new Int32Array(8), { shape: [2, 4] }))).toThrow(/predict: x must be a float32 tensor, got int32/);
    expect(() => model.predict({ wrong: dn.ones([2, 4]) })).toThrow(/predict: x has no input named 'wrong'/);
    expect(() => model.predict([dn.ones([2, 4]), dn.ones([2, 4])])).toThrow(/x must hold one tensor per input \(1: input_\d+\), got 2/);
  });
});

describe('functional', () => {
  it('infers symbolic shapes and lists its layers, inputs and outputs', () => {
    const input = dn.input({ shape: [6], name: 'pixels' });
    expect(input.shape).toEqual([null, 6]);
    expect(input.dtype).toBe('float32');
    expect(input.name).toBe('pixels');
    const dense = dn.layers.dense({ units: 5, name: 'proj' });
    const h = dense.apply(input);
    expect(h).toBeInstanceOf(dn.layers.SymbolicTensor);
    expect(h.shape).toEqual([null, 5]);
    expect(h.sourceLayer).toBe(dense);
    expect(String(h)).toBe('SymbolicTensor(proj, [null, 5], float32)');
    const model = dn.model({ inputs: input, outputs: h, name: 'tiny' });
    expect(model).toBeInstanceOf(dn.Model);
    expect(model.name).toBe('tiny');
    expect(model.layers.map((l) => l.name)).toEqual(['pixels', 'proj']);
    expect(model.getLayer(0)).toBeInstanceOf(dn.layers.InputLayer);
    expect(model.getLayer('proj')).toBe(dense);
    expect(() => model.getLayer('prj')).toThrow(/no layer named 'prj' \(did you mean 'proj'\?\)/);
    expect(model.inputNames).toEqual(['pixels']);
    expect(model.outputNames).toEqual(['proj']);
    expect(model.inputShape).toEqual([null, 6]);
    expect(model.outputShape).toEqual([null, 5]);
    expect(model.countParams()).toBe(35);
    expect(model.predict(dn.ones([3, 6])).shape).toEqual([3, 5]);
  });

  it('computes, trains and evaluates exactly as the same network written as Sequential', async () => {
    const graph = functionalClassifier();
    const stack = dn.sequential();
    for (const layer of denseStack()) stack.add(layer);
    stack.build([null, 4]);
    const x = dn.rand([40, 4], { seed: 3 });
    const y = dn.randint(0, 3, [40], { seed: 4 });
    expect(same(graph.predict(x), stack.predict(x))).toBe(true);
    for (const m of [graph, stack] as dn.Model[]) m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const a = await graph.fit(x, y, { epochs: 3, batchSize: 8, seed: 5, verbose: 0, validationSplit: 0.25 });
    const b = await stack.fit(x, y, { epochs: 3, batchSize: 8, seed: 5, verbose: 0, validationSplit: 0.25 });
    expect(a.history).toEqual(b.history);
    expect(Object.keys(a.history)).toEqual(['loss', 'accuracy', 'val_loss', 'val_accuracy']);
    graph.getWeights().forEach((w, i) => expect(same(w, stack.getWeights()[i])).toBe(true));
    expect(await graph.evaluate(x, y)).toEqual(await stack.evaluate(x, y));
    expect(same(await graph.predictAsync(x), graph.predict(x))).toBe(true);
    expect(graph.trainOnBatch(x, y)).toEqual(stack.trainOnBatch(x, y));
    expect(graph.testOnBatch(x, y)).toEqual(stack.testOnBatch(x, y));
  });

  it('takes its input as a tensor, an array of one or an object by input name', () => {
    const input = dn.input({ shape: [2], name: 'xy' });
    const model = dn.model({ inputs: input, outputs: dn.layers.dense({ units: 1, kernelInitializer: 'ones' }).apply(input) });
    const x = dn.tensor([[1, 2], [3, 4]]);
    const expected = model.predict(x).toArray();
    expect(model.predict([x]).toArray()).toEqual(expected);
    expect(model.predict({ xy: x }).toArray()).toEqual(expected);
    expect(model.apply({ xy: x }).toArray()).toEqual(expected);
  });

  it('saves and loads its graph bit for bit, with the connections in model.json', async () => {
    const model = functionalClassifier();
    model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const x = dn.rand([16, 4], { seed: 6 });
    await model.fit(x, dn.randint(0, 3, [16], { seed: 7 }), { epochs: 1, verbose: 0 });
    const dir = join(folder, 'classifier');
    await model.save(dir);
    const loaded = await dn.loadModel(dir);
    expect(loaded).toBeInstanceOf(dn.Functional);
    expect(loaded.layers.map((l) => l.name)).toEqual(model.layers.map((l) => l.name));
    expect(same(loaded.predict(x), model.predict(x))).toBe(true);
    expect(loaded.metricsNames).toEqual(['loss', 'accuracy']);
    const config = model.getConfig() as { layers: { name: string; inboundNodes: unknown[] }[]; inputLayers: unknown; outputLayers: unknown };
    const [inputName, hiddenName, outputName] = model.layers.map((l) => l.name);
    expect(config.layers.map((l) => l.inboundNodes)).toEqual([[], [[[inputName, 0, 0, {}]]], [[[hiddenName, 0, 0, {}]]]]);
    expect(config.inputLayers).toEqual([inputName, 0, 0]);
    expect(config.outputLayers).toEqual([outputName, 0, 0]);
  });

  it('loading checks the saved graph: every reference, every call, with a SerializationError naming the layer', async () => {
    const input = dn.input({ shape: [3], name: 'g_in' });
    const hidden = dn.layers.dense({ units: 2, name: 'g_hidden' }).apply(input);
    const model = dn.model({ inputs: input, outputs: dn.layers.dense({ units: 1, name: 'g_out' }).apply(hidden) });
    const bytes = await model.saveToBuffer();
    const edited = async (edit: (architecture: { config: { layers: { inboundNodes: unknown[] }[]; outputLayers: unknown } }) => void): Promise<unknown> => {
      const dir = join(folder, `graph-edit-${Math.random().toString(36).slice(2)}`);
      await model.save(dir);
      const file = join(dir, 'model.json');
      const description = JSON.parse(readFileSync(file, 'utf8'));
      edit(description.architecture);
      writeFileSync(file, JSON.stringify(description));
      return dn.loadModel(dir);
    };
    await expect(edited((a) => { a.config.layers[2].inboundNodes = [[['g_hiden', 0, 0, {}]]]; })).rejects.toThrow(
      /the architecture: Functional\.fromConfig: layer 'g_out' call 0 input 0 names layer 'g_hiden', which the model does not have/,
    );
    await expect(edited((a) => { a.config.layers[2].inboundNodes = [[['g_hidden', 3, 0, {}]]]; })).rejects.toThrow(SerializationError);
    await expect(edited((a) => { a.config.layers[2].inboundNodes = [[['g_hidden', 3, 0, {}]]]; })).rejects.toThrow(/the calls of 'g_out' read tensors no call makes/);
    await expect(edited((a) => { a.config.layers[2].inboundNodes = [[['g_hidden', 0, 4, {}]]]; })).rejects.toThrow(/reads output 4 of 'g_hidden', which has 1/);
    await expect(edited((a) => { a.config.layers[2].inboundNodes = [['g_hidden']]; })).rejects.toThrow(/must be a reference \[layer name, node index, output index\]/);
    await expect(edited((a) => { a.config.outputLayers = ['nothing', 0, 0]; })).rejects.toThrow(/config.outputLayers\[0\] names layer 'nothing'/);
    await expect(edited((a) => { a.config.layers[1].inboundNodes = [[['g_out', 0, 0, {}]]]; })).rejects.toThrow(/read tensors no call makes \(a cycle, or a missing layer\)/);
    await expect(edited((a) => { (a.config.layers[1] as unknown as { config: { units: number } }).config.units = 5; })).rejects.toThrow(
      /tensor 'g_hidden\/kernel' has shape \[3, 2\] in the weights file but the architecture needs \[3, 5\]/,
    );
    expect((await dn.loadModelFromBuffer(bytes)).predict(dn.ones([1, 3])).toArray()).toEqual(model.predict(dn.ones([1, 3])).toArray());
  });

  it('prints a summary with the "Connected to" column', () => {
    const input = dn.input({ shape: [8], name: 'in_s' });
    const model = dn.model({ inputs: input, outputs: dn.layers.dense({ units: 2, name: 'out_s' }).apply(input), name: 'summary_graph' });
    const lines: string[] = [];
    model.summary({ printFn: (line) => lines.push(line) });
    expect(lines.slice(0, 8)).toEqual([
      'Model: "summary_graph"',
      '_'.repeat(98),
      ' Layer (type)                   Output Shape         Param #     Connected to',
      '='.repeat(98),
      ' in_s (InputLayer)              [null, 8]            0',
      '',
      ' out_s (Dense)                  [null, 2]            18          in_s[0][0]',
      '='.repeat(98),
    ]);
  });
});
