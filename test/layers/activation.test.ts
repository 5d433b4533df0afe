// Activation layer: validation, forward per activation name (every name and alias), logits pass-through, config.
import { describe, expect, it } from 'vitest';
import * as dn from '../../lib/index.js';
import { ArgumentTypeError, ValueError } from '../../lib/errors.js';
import { ActivationLayer } from '../../lib/layers/activation.js';
import { ACTIVATION_NAMES, getActivation } from '../../lib/activations.js';
import { ALIASES } from '../../lib/aliases.js';
import { deserializeLayer, serializeLayer } from '../../lib/layers/registry.js';
import { gradcheck, randomTensor } from '../helpers/gradcheck.js';

describe('activation layer: should throw', () => {
  it('needs a known activation', () => {
    expect(() => dn.layers.activation({} as never)).toThrow(/activation: activation is required/);
    expect(() => dn.layers.activation({ activation: 'sigmiod' as never })).toThrow(/unknown activation 'sigmiod' \(did you mean 'sigmoid'\?\)/);
    expect(() => dn.layers.activation({ activation: 'relu', alpha: 1 } as never)).toThrow(/unknown option 'alpha'/);
    expect(() => dn.layers.activation({ activation: null as never })).toThrow(ArgumentTypeError);
  });
});

describe('activation layer', () => {
  it('applies the activation and keeps the shape', () => {
    const layer = dn.layers.activation({ activation: 'relu' });
    expect(layer.apply(dn.tensor([[-1, 2], [3, -4]])).toArray()).toEqual([[0, 2], [3, 0]]);
    expect(layer.computeOutputShape([null, 5, 2])).toEqual([null, 5, 2]);
    expect(layer.countParams()).toBe(0);
    const softmax = dn.layers.activation({ activation: 'softmax' }).apply(dn.tensor([[0, Math.log(3)]]));
    (softmax.toArray() as number[][])[0].forEach((v, i) => expect(v).toBeCloseTo([0.25, 0.75][i], 6));
  });

  it('passes logits through when the loss folds its activation', () => {
    const layer = dn.layers.activation({ activation: 'softmax' });
    const x = dn.tensor([[1, 2]]);
    expect(layer.call(x, { training: true, workspace: null, logits: true, losses: null })).toBe(x);
  });

  it('differentiates through its activation (finite differences, default tolerance)', () => {
    const layer = dn.layers.activation({ activation: dn.activations.elu({ alpha: 0.5 }) });
    gradcheck((x) => layer.apply(x), [randomTensor([3, 4], { seed: 3 })]);
  });

  it('round-trips through the registry', () => {
    const layer = dn.layers.activation({ activation: dn.activations.gelu({ approximate: true }), name: 'act_cfg' });
    const copy = deserializeLayer(JSON.parse(JSON.stringify(serializeLayer(layer)))) as ActivationLayer;
    expect(copy).toBeInstanceOf(ActivationLayer);
    expect(copy.getConfig()).toEqual({ name: 'act_cfg', trainable: true, activation: { className: 'gelu', config: { approximate: true } } });
    const x = dn.tensor([[-1, 0.5, 2]]);
    expect(copy.apply(x).toArray()).toEqual(layer.apply(x).toArray());
    const custom = dn.layers.activation({ activation: (t: dn.Tensor) => t });
    expect(() => ActivationLayer.fromConfig(custom.getConfig())).toThrow(ValueError);
  });

  it('accepts every activation name and every Keras or tfjs spelling, as the activation functions do', () => {
    const x = dn.tensor([[-2, -0.5, 0.5, 3]]);
    const names = [...ACTIVATION_NAMES, ...Object.keys(ALIASES.activation)];
    for (const name of names) {
      const layer = dn.layers.activation({ activation: name as never });
      expect({ name, y: Array.from(layer.apply(x).dataSync()) }).toEqual({ name, y: Array.from(getActivation(name as never).apply(x).dataSync()) });
      const copy = deserializeLayer(JSON.parse(JSON.stringify(serializeLayer(layer))));
      expect({ name, y: Array.from(copy.apply(x).dataSync()) }).toEqual({ name, y: Array.from(layer.apply(x).dataSync()) });
    }
  });
});
