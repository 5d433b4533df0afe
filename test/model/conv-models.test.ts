// Convolutional models end to end: every image layer in one model trains, saves and loads back bit for
// bit (weights, moving statistics, predictions), summarises with its shapes and parameter counts, and
// runs in a functional model too.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as dn from '../../lib/index.js';
import { bits } from '../helpers/layers.js';

const scratch = mkdtempSync(join(tmpdir(), 'dendrite-conv-models-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Every image layer, with seeded initializers. */
function imageModel(): dn.Sequential {
  const seeded = (seed: number) => ({ kernelInitializer: dn.initializers.heNormal({ seed }) });
  return dn.sequential({
    name: 'image_model',
    layers: [
      dn.layers.zeroPadding2d({ padding: 1, inputShape: [8, 8, 1] }),
      dn.layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu', ...seeded(1) }),
      dn.layers.batchNormalization(),
      dn.layers.maxPooling2d(),
      dn.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', depthMultiplier: 2, depthwiseInitializer: dn.initializers.heNormal({ seed: 2 }) }),
      dn.layers.separableConv2d({ filters: 6, kernelSize: 2, padding: 'same', activation: 'relu', depthwiseInitializer: dn.initializers.heNormal({ seed: 3 }) }),
      dn.layers.spatialDropout2d({ rate: 0.2, seed: 4 }),
      dn.layers.conv2dTranspose({ filters: 4, kernelSize: 2, strides: 2, ...seeded(5) }),
      dn.layers.upSampling2d({ size: 2 }),
      dn.layers.averagePooling2d({ poolSize: 2 }),
      dn.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', dataFormat: 'channelsLast', ...seeded(6) }),
      dn.layers.globalAveragePooling2d(),
      dn.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: dn.initializers.glorotUniform({ seed: 7 }) }),
    ],
  });
}

describe('convolutional models', () => {
  it('train, save and load back bit for bit', async () => {
    const model = imageModel();
    model.compile({ optimizer: dn.optimizers.adam(0.01), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const x = dn.rand([24, 8, 8, 1], { seed: 8 });
    const y = dn.randint(0, 3, [24], { seed: 9 });
    const history = await model.fit(x, y, { epochs: 3, batchSize: 8, verbose: 0, seed: 1 });
    expect(history.history.loss.every(Number.isFinite)).toBe(true);
    const directory = join(scratch, 'model');
    await model.save(directory);
    const loaded = await dn.loadModel(directory);
    expect(loaded.layers.map((l) => l.className)).toEqual(model.layers.map((l) => l.className));
    const before = model.getWeights();
    loaded.getWeights().forEach((w, i) => expect(bits(w)).toEqual(bits(before[i])));
    expect(bits(loaded.predict(x))).toEqual(bits(model.predict(x)));
    const buffer = await model.saveToBuffer();
    expect(bits((await dn.loadModelFromBuffer(buffer)).predict(x))).toEqual(bits(model.predict(x)));
  });

  it('summarise their layers, shapes and parameters', () => {
    const lines: string[] = [];
    imageModel().summary({ printFn: (line) => lines.push(line) });
    const text = lines.join('\n');
    for (const [name, shape, params] of [
      ['zero_padding2d', '[null, 10, 10, 1]', '0'],
      ['conv2d', '[null, 8, 8, 4]', '40'],
      ['batch_normalization', '[null, 8, 8, 4]', '16'],
      ['max_pooling2d', '[null, 4, 4, 4]', '0'],
      ['depthwise_conv2d', '[null, 4, 4, 8]', '80'],
      ['separable_conv2d', '[null, 4, 4, 6]', '86'],
      ['conv2d_transpose', '[null, 8, 8, 4]', '100'],
      ['up_sampling2d', '[null, 16, 16, 4]', '0'],
      ['global_average_pooling2d', '[null, 4]', '0'],
    ]) {
      expect(text).toMatch(new RegExp(`${name}_\\d+ .*${shape.replace(/[[\]]/g, '\\$&')}\\s+${params}\\b`));
    }
    expect(text).toMatch(/Non-trainable params: 8 /);
  });

  it('run in a functional model', () => {
    const input = dn.input({ shape: [6, 6, 2] });
    const a = dn.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(input);
    const b = dn.layers.maxPooling2d().apply(a);
    const c = dn.layers.globalMaxPooling2d().apply(b);
    const model = dn.model({ inputs: input, outputs: dn.layers.dense({ units: 2 }).apply(c) });
    expect(model.predict(dn.rand([3, 6, 6, 2], { seed: 10 })).shape).toEqual([3, 2]);
  });
});
