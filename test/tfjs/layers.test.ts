// dendrite/tfjs layer names: an unnamed layer is named as tfjs names it (dense_Dense1), compared with
// @tensorflow/tfjs making the same layers in the same order; given names and dn.layers are unchanged.
import { describe, expect, it } from 'vitest';
import * as real from '@tensorflow/tfjs';
import * as tf from '../../lib/tfjs/index.js';
import * as dn from '../../lib/index.js';

describe('tf.layers names', () => {
  it('are tfjs\'s <snake_case>_<Class><n>, counted per class, in the order tfjs counts them', () => {
    const make = (layers: typeof tf.layers | typeof real.layers): string[] => [
      layers.dense({ units: 2 }), layers.dense({ units: 3, activation: 'relu' }), layers.conv2d({ filters: 2, kernelSize: 3 }),
      layers.flatten(), layers.activation({ activation: 'relu' }), layers.lstm({ units: 2 }), layers.simpleRNN({ units: 2 }),
      layers.batchNormalization(), layers.dropout({ rate: 0.5 }), layers.maxPooling2d({ poolSize: 2 }),
      layers.embedding({ inputDim: 5, outputDim: 2 }), layers.dense({ units: 1 }), layers.gru({ units: 1 }),
    ].map((layer) => layer.name);
    const mine = make(tf.layers);
    expect(mine).toEqual(make(real.layers));
    expect(mine.slice(0, 2)).toEqual(['dense_Dense1', 'dense_Dense2']);
  });

  it('keep a given name; Dendrite\'s own layers keep Dendrite\'s names; weights are named after the layer', () => {
    expect(tf.layers.dense({ units: 1, name: 'out' }).name).toBe('out');
    expect(dn.layers.dense({ units: 1 }).name).toMatch(/^dense_\d+$/);
    const model = tf.sequential();
    model.add(tf.layers.dense({ units: 2, inputShape: [3] }));
    const name = model.layers[0].name;
    expect(name).toMatch(/^dense_Dense\d+$/);
    expect(model.weights.map((w) => w.name)).toEqual([`${name}/kernel`, `${name}/bias`]);
  });

  it('bad options are still typed errors naming the layer option', () => {
    expect(() => tf.layers.dense({ units: -1 })).toThrow(/units/);
    expect(() => tf.layers.dense({ units: 2, name: 'a b' })).toThrow(/name/);
    expect(() => tf.layers.dense('dense' as never)).toThrow(dn.DendriteError);
  });
});

describe('tf.serialization.registerClass and tf.io.listModels', () => {
  class Gain extends tf.layers.Layer {
    static readonly className = 'TfjsTestGain';
    readonly className = 'TfjsTestGain';
    private gain: dn.LayerVariable | null = null;
    constructor(options: { name?: string; inputShape?: number[] } = {}) {
      super('gain', options, 'TfjsTestGain');
    }
    protected override buildWeights(inputShape: dn.layers.Shape): void {
      this.gain = this.addWeight('gain', [inputShape[inputShape.length - 1] as number], 'ones');
    }
    override computeOutputShape(inputShape: readonly (number | null)[]): dn.layers.Shape {
      return inputShape.slice();
    }
    override call(input: dn.Tensor): dn.Tensor {
      return input.mul(this.gain!.value);
    }
  }

  it('registers a custom layer by its static className, so a saved model with it loads', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'dendrite-tfjs-register-'));
    try {
      const model = tf.sequential({ layers: [new Gain({ inputShape: [2] }), tf.layers.dense({ units: 1 })] });
      model.setWeights([tf.tensor1d([2, 3]), ...model.getWeights().slice(1)]);
      await expect(model.save(dir)).rejects.toThrow(/TfjsTestGain/);
      expect(tf.serialization.registerClass(Gain)).toBe(Gain);
      expect(dn.layers.registeredLayers()).toEqual(expect.arrayContaining(['TfjsTestGain', 'Custom>TfjsTestGain']));
      await model.save(dir);
      const loaded = await tf.loadLayersModel(join(dir, 'model.json'));
      expect(loaded.layers[0]).toBeInstanceOf(Gain);
      const x = tf.tensor2d([[1, 1]]);
      expect((loaded.predict(x) as dn.Tensor).toArray()).toEqual((model.predict(x) as dn.Tensor).toArray());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses classes that are not layers or lack a className, and listModels is empty in Node as tfjs-node', async () => {
    class Plain { static readonly className = 'Plain'; }
    expect(() => tf.serialization.registerClass(Plain)).toThrow(/not a layer class/);
    abstract class NoName extends tf.layers.Layer {}
    expect(() => tf.serialization.registerClass(NoName as never)).toThrow(/static className/);
    expect(() => tf.serialization.registerClass(3 as never)).toThrow(dn.ArgumentTypeError);
    expect(await tf.io.listModels()).toEqual({});
  });
});
