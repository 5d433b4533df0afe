// Shared layers, models inside models, and freezing (layer.trainable / model.trainable, taking
// effect at the next compile as in Keras).
import { describe, expect, it } from 'vitest';
import * as dn from '../../lib/index.js';
import { ShapeError } from '../../lib/errors.js';
import type { CallContext } from '../../lib/layers/layer.js';

const seeded = (units: number, seed: number, options: Partial<dn.layers.DenseOptions> = {}): dn.layers.Dense =>
  dn.layers.dense({ units, kernelInitializer: dn.initializers.glorotUniform({ seed }), biasInitializer: dn.initializers.randomNormal({ seed: seed + 100 }), ...options });

/** A siamese model: one dense tower applied to both inputs, the towers' outputs subtracted. */
function siamese(): { model: dn.Functional<dn.Tensor>; tower: dn.layers.Dense } {
  const left = dn.input({ shape: [3], name: 'left' });
  const right = dn.input({ shape: [3], name: 'right' });
  const tower = seeded(4, 1, { activation: 'tanh', name: 'tower' });
  const difference = dn.layers.subtract().apply([tower.apply(left), tower.apply(right)]);
  const score = seeded(1, 2, { name: 'score' }).apply(difference);
  return { model: dn.model({ inputs: [left, right], outputs: score }), tower };
}

const left = dn.rand([6, 3], { seed: 10 });
const right = dn.rand([6, 3], { seed: 11 });
const target = dn.rand([6, 1], { seed: 12 });

describe('shared layers, nested models, freezing: should throw', () => {
  it('a shared layer applied to an input of another shape names itself and both shapes', () => {
    const shared = dn.layers.dense({ units: 2, name: 'shared_fit' });
    shared.apply(dn.input({ shape: [3] }));
    expect(() => shared.apply(dn.input({ shape: [5] }))).toThrow(ShapeError);
    expect(() => shared.apply(dn.input({ shape: [5] }))).toThrow('shared_fit: expected input with last dimension 3, got shape [null, 5]');
  });

  it('a model used as a layer checks its inputs, naming itself and both shapes', () => {
    const input = dn.input({ shape: [3] });
    const inner = dn.model({ inputs: input, outputs: dn.layers.dense({ units: 2 }).apply(input), name: 'inner_check' });
    expect(() => inner.apply(dn.input({ shape: [4] }))).toThrow('inner_check: expected input with shape [null, 3], got shape [null, 4]');
    expect(() => inner.apply([dn.input({ shape: [3] }), dn.input({ shape: [3] })])).toThrow(ShapeError);
  });
});

describe('shared layers', () => {
  it('a layer applied twice is one layer with one set of weights and two calls', () => {
    const { model, tower } = siamese();
    expect(model.layers.map((l) => l.name).filter((n) => n === 'tower')).toHaveLength(1);
    expect(model.weights.map((v) => v.name)).toEqual(['tower/kernel', 'tower/bias', 'score/kernel', 'score/bias']);
    expect(tower.inboundNodes).toHaveLength(2);
    const lines: string[] = [];
    model.summary({ printFn: (line) => lines.push(line) });
    const row = lines.findIndex((line) => line.startsWith(' tower (Dense)'));
    expect(lines[row]).toMatch(/tower \(Dense\)\s+\[null, 4\]\s+16\s+left\[0\]\[0\]$/);
    expect(lines[row + 1].trim()).toBe('right[0][0]');
    expect(lines.find((line) => line.startsWith(' subtract'))).toMatch(/tower\[0\]\[0\]$/);
    expect(lines).toContain('Total params: 21 (84 B)');
  });

  it('saves and loads with the layer still shared: both calls in inboundNodes, one weight each', async () => {
    const { model } = siamese();
    model.compile({ optimizer: 'adam', loss: 'mse' });
    await model.fit([left, right], target, { epochs: 2, batchSize: 3, verbose: 0 });
    const config = model.getConfig() as { layers: { name: string; inboundNodes: unknown[] }[] };
    expect(config.layers.find((l) => l.name === 'tower')!.inboundNodes).toEqual([[['left', 0, 0, {}]], [['right', 0, 0, {}]]]);
    expect(config.layers.find((l) => l.name.startsWith('subtract'))!.inboundNodes).toEqual([[['tower', 0, 0, {}], ['tower', 1, 0, {}]]]);
    const copy = await dn.loadModelFromBuffer(await model.saveToBuffer({ includeOptimizer: true }));
    expect(copy.predict([left, right]).toArray()).toEqual(model.predict([left, right]).toArray());
    expect(copy.weights).toHaveLength(4);
    expect(copy.getLayer('tower').inboundNodes).toHaveLength(2);
    expect(copy.trainOnBatch([left, right], target)).toEqual(model.trainOnBatch([left, right], target));
  });

  it('its gradient sums both calls: it matches finite differences of the loss in each weight', () => {
    const { model, tower } = siamese();
    const lossOf = (): dn.Tensor => dn.losses.meanSquaredError(target, model.apply([left, right]));
    const loss = lossOf();
    loss.backward();
    const kernel = tower.kernel!.value;
    const analytic = kernel.grad!.dataSync().slice();
    const values = kernel.storage as Float32Array;
    for (let i = 0; i < values.length; i++) {
      const original = values[i];
      values[i] = original + 1e-2;
      const up = dn.noGrad(() => lossOf().item());
      values[i] = original - 1e-2;
      const down = dn.noGrad(() => lossOf().item());
      values[i] = original;
      expect(analytic[i]).toBeCloseTo((up - down) / 2e-2, 3);
    }
  });

  it('trains through both calls: one SGD step of fit moves the weights by the summed gradient', () => {
    const { model, tower } = siamese();
    model.compile({ optimizer: dn.optimizers.sgd(0.1), loss: 'mse' });
    const before = tower.getWeights().map((w) => w.dataSync().slice());
    dn.losses.meanSquaredError(target, model.apply([left, right])).backward();
    const gradients = tower.weights.map((v) => v.value.grad!.dataSync().slice());
    tower.weights.forEach((v) => v.value.zeroGrad());
    model.getLayer('score').weights.forEach((v) => v.value.zeroGrad());
    model.trainOnBatch([left, right], target);
    tower.getWeights().forEach((w, k) => w.dataSync().forEach((v, i) => expect(v).toBeCloseTo(before[k][i] - 0.1 * gradients[k][i], 5)));
  });
});

describe('nested models', () => {
  function encoderAndClassifier(): { encoder: dn.Functional<dn.Tensor>; classifier: dn.Functional<dn.Tensor> } {
    const raw = dn.input({ shape: [5], name: 'raw' });
    const encoder = dn.model({ inputs: raw, outputs: seeded(3, 3, { activation: 'relu', name: 'encode' }).apply(raw), name: 'encoder' });
    const features = dn.input({ shape: [5], name: 'features' });
    const classifier = dn.model({ inputs: features, outputs: seeded(2, 4, { activation: 'softmax', name: 'classify' }).apply(encoder.apply(features)), name: 'classifier' });
    return { encoder, classifier };
  }
  const x = dn.rand([16, 5], { seed: 13 });
  const labels = dn.randint(0, 2, [16], { seed: 14 });

  it('a model is a layer: it nests, trains inside another model, and shares its weights with it', async () => {
    const { encoder, classifier } = encoderAndClassifier();
    expect(classifier.layers.map((l) => l.name)).toEqual(['features', 'encoder', 'classify']);
    expect(classifier.getLayer('encoder')).toBe(encoder);
    expect(classifier.weights.map((v) => v.name)).toEqual(['encode/kernel', 'encode/bias', 'classify/kernel', 'classify/bias']);
    expect(classifier.flatLayers.map((l) => l.name)).toEqual(['features', 'encoder', 'raw', 'encode', 'classify']);
    const before = encoder.predict(x).dataSync().slice();
    classifier.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const history = await classifier.fit(x, labels, { epochs: 3, batchSize: 4, seed: 1, verbose: 0 });
    expect(history.history.loss).toHaveLength(3);
    // The encoder alone now computes with the weights its use inside the classifier trained.
    expect(Array.from(encoder.predict(x).dataSync())).not.toEqual(Array.from(before));
    const lines: string[] = [];
    classifier.summary({ printFn: (line) => lines.push(line) });
    expect(lines.find((line) => line.startsWith(' encoder'))).toMatch(/encoder \(Functional\)\s+\[null, 3\]\s+18\s+features\[0\]\[0\]/);
  });

  it('nested models, a Sequential among them, save and load bit for bit', async () => {
    const { classifier } = encoderAndClassifier();
    const head = dn.sequential({ layers: [seeded(2, 5, { inputShape: [2], name: 'head_dense' })], name: 'head' });
    const input = dn.input({ shape: [5], name: 'outer_in' });
    const outer = dn.model({ inputs: input, outputs: head.apply(classifier.apply(input)), name: 'outer' });
    outer.compile({ optimizer: 'sgd', loss: 'mse' });
    await outer.fit(x, dn.rand([16, 2], { seed: 15 }), { epochs: 1, verbose: 0 });
    const copy = await dn.loadModelFromBuffer(await outer.saveToBuffer());
    expect(copy.predict(x).toArray()).toEqual(outer.predict(x).toArray());
    expect(copy.layers.map((l) => `${l.name}:${l.className}`)).toEqual(['outer_in:InputLayer', 'classifier:Functional', 'head:Sequential']);
    expect(copy.weights.map((v) => v.name)).toEqual(outer.weights.map((v) => v.name));
  });

  it('a model with several outputs applied as a layer returns one symbolic tensor per output', () => {
    const input = dn.input({ shape: [4] });
    const twoOut = dn.model({ inputs: input, outputs: [seeded(2, 6).apply(input), seeded(3, 7).apply(input)] });
    const outer = dn.input({ shape: [4] });
    const [a, b] = twoOut.apply(outer);
    expect([a.shape, b.shape]).toEqual([[null, 2], [null, 3]]);
    const joined = dn.model({ inputs: outer, outputs: dn.layers.concatenate().apply([a, b]) });
    expect(joined.predict(dn.ones([2, 4])).shape).toEqual([2, 5]);
    const direct = twoOut.predict(dn.ones([2, 4]));
    expect(joined.predict(dn.ones([2, 4])).toArray()).toEqual(dn.concat(direct, 1).toArray());
  });
});

describe('freezing', () => {
  /** Records what each call was told. */
  class Probe extends dn.layers.Layer {
    readonly className = 'Probe';
    seen: { training: boolean; trainable: boolean | undefined }[] = [];
    constructor() {
      super('probe', {}, 'Probe');
    }
    computeOutputShape(shape: readonly (number | null)[]): dn.layers.Shape {
      return shape.slice();
    }
    call(x: dn.Tensor, context: CallContext): dn.Tensor {
      this.seen.push({ training: context.training, trainable: context.trainable });
      return x;
    }
  }

  it('model.trainable sets every layer, and frozen weights are not trainable weights', () => {
    const { model, tower } = siamese();
    model.trainable = false;
    expect(tower.trainable).toBe(false);
    expect(model.trainableWeights).toEqual([]);
    expect(model.nonTrainableWeights).toHaveLength(4);
    model.trainable = true;
    tower.trainable = false;
    expect(model.trainableWeights.map((v) => v.name)).toEqual(['score/kernel', 'score/bias']);
  });

  it('the freeze takes effect at the next compile (Keras): a GAN trains its discriminator alone, then the generator through the frozen discriminator', () => {
    const noise = dn.input({ shape: [2], name: 'noise' });
    const generator = dn.model({ inputs: noise, outputs: seeded(3, 8, { name: 'gen' }).apply(noise), name: 'generator' });
    const sample = dn.input({ shape: [3], name: 'sample' });
    const discriminator = dn.model({ inputs: sample, outputs: seeded(1, 9, { activation: 'sigmoid', name: 'disc' }).apply(sample), name: 'discriminator' });
    discriminator.compile({ optimizer: dn.optimizers.sgd(0.5), loss: 'binaryCrossentropy' });
    discriminator.trainable = false;
    const z = dn.input({ shape: [2], name: 'z' });
    const combined = dn.model({ inputs: z, outputs: discriminator.apply(generator.apply(z)), name: 'combined' });
    combined.compile({ optimizer: dn.optimizers.sgd(0.5), loss: 'binaryCrossentropy' });
    const weights = (m: dn.Model): number[][] => m.getWeights().map((w) => Array.from(w.dataSync()));
    const z8 = dn.randn([8, 2], { seed: 16 });
    // A generator step: the discriminator's weights stay, the generator's move.
    const d0 = weights(discriminator);
    const g0 = weights(generator);
    combined.trainOnBatch(z8, dn.ones([8, 1]));
    expect(weights(discriminator)).toEqual(d0);
    expect(weights(generator)).not.toEqual(g0);
    // A discriminator step: compiled while trainable, it still trains (the freeze came after its compile).
    discriminator.trainOnBatch(generator.predict(z8), dn.zeros([8, 1]));
    expect(weights(discriminator)).not.toEqual(d0);
  });

  it('freezing after compile changes nothing until compile runs again', () => {
    const { model, tower } = siamese();
    model.compile({ optimizer: dn.optimizers.sgd(0.5), loss: 'mse' });
    tower.trainable = false;
    const before = tower.getWeights().map((w) => Array.from(w.dataSync()));
    model.trainOnBatch([left, right], target);
    const moved = tower.getWeights().map((w) => Array.from(w.dataSync()));
    expect(moved).not.toEqual(before);
    model.compile({ optimizer: dn.optimizers.sgd(0.5), loss: 'mse' });
    model.trainOnBatch([left, right], target);
    expect(tower.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(moved);
  });

  it('a frozen layer, or a layer in a frozen model, is told so (context.trainable false) while training mode holds', () => {
    const probe = new Probe();
    const input = dn.input({ shape: [2] });
    const inner = dn.model({ inputs: input, outputs: probe.apply(input) });
    const outerInput = dn.input({ shape: [2] });
    const outer = dn.model({ inputs: outerInput, outputs: seeded(1, 10).apply(inner.apply(outerInput)) });
    outer.compile({ optimizer: 'sgd', loss: 'mse' });
    outer.trainOnBatch(dn.ones([2, 2]), dn.ones([2, 1]));
    inner.trainable = false;
    outer.compile({ optimizer: 'sgd', loss: 'mse' });
    outer.trainOnBatch(dn.ones([2, 2]), dn.ones([2, 1]));
    outer.predict(dn.ones([2, 2]));
    expect(probe.seen).toEqual([{ training: true, trainable: true }, { training: true, trainable: false }, { training: false, trainable: false }]);
  });
});
