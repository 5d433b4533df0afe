// The layer registry: lookup by class name, custom layers, errors.
import { describe, expect, it } from 'vitest';
import * as dn from '../../lib/index.js';
import { ArgumentTypeError, ShapeError, ValueError } from '../../lib/errors.js';
import { Layer, type CallContext, type Shape } from '../../lib/layers/layer.js';
import { deserializeLayer, getLayerClass, registeredLayers, registerLayer } from '../../lib/layers/registry.js';

class Scale extends Layer {
  readonly className = 'TestScale';
  readonly factor: number;
  constructor(options: { factor?: number; name?: string } = {}) {
    super('scale', { name: options.name }, 'TestScale');
    this.factor = options.factor ?? 2;
  }
  override computeOutputShape(inputShape: readonly (number | null)[]): Shape {
    return inputShape.slice();
  }
  override call(x: dn.Tensor, _context: CallContext): dn.Tensor {
    return x.mul(this.factor);
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), factor: this.factor };
  }
}

describe('layer registry: should throw', () => {
  it('names the registered classes for an unknown one', () => {
    expect(() => getLayerClass('Dence')).toThrow(ValueError);
    expect(() => getLayerClass('Dence')).toThrow(/unknown layer class 'Dence' \(did you mean 'Dense'\?\); registered: .*Dense/);
    expect(() => deserializeLayer({ className: 'Nope', config: {} })).toThrow(/deserializeLayer: unknown layer class 'Nope'/);
    expect(() => deserializeLayer('Dense')).toThrow(ArgumentTypeError);
    expect(() => registerLayer('Dense', Scale as never)).toThrow(/a different class is already registered as 'Dense'/);
    expect(() => registerLayer(3 as never, Scale as never)).toThrow(ArgumentTypeError);
  });
});

describe('layer registry', () => {
  it('knows the built-in layers', () => {
    for (const name of ['Dense', 'Activation', 'Dropout', 'Flatten', 'Reshape']) expect(registeredLayers()).toContain(name);
  });

  it('builds custom layers registered by class name', () => {
    registerLayer('TestScale', Scale as never);
    const layer = deserializeLayer({ className: 'TestScale', config: { factor: 3, name: 'scale_x' } });
    expect(layer.name).toBe('scale_x');
    expect(layer.apply(dn.tensor([[1, 2]])).toArray()).toEqual([[3, 6]]);
    const model = dn.sequential({ layers: [dn.layers.dense({ units: 2, inputShape: [2] }), layer] });
    const copy = dn.Sequential.fromConfig(JSON.parse(JSON.stringify(model.getConfig())));
    expect(copy.layers.map((l) => l.className)).toEqual(['Dense', 'TestScale']);
  });

  it('checks the input of a built custom layer against its build shape', () => {
    const layer = new Scale({ name: 'scale_shape' });
    layer.build([null, 3]);
    expect(() => layer.apply(dn.zeros([2, 4]))).toThrow(ShapeError);
    expect(() => layer.apply(dn.zeros([2, 4]))).toThrow('scale_shape: expected input with shape [null, 3], got shape [2, 4]');
  });
});
