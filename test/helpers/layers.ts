/**
 * One check for any layer: built for an input shape, its output has the shape computeOutputShape
 * promises; its config (through the registry, as a saved model is loaded) rebuilds a layer that, given
 * the same weights, computes the same output bit for bit; and the gradients with respect to the input
 * and to every weight pass a finite-difference check.
 */
import { expect } from 'vitest';
import * as dn from '../../lib/index.js';
import type { Tensor } from '../../lib/index.js';
import type { Layer } from '../../lib/layers/layer.js';
import { deserializeLayer, serializeLayer } from '../../lib/layers/registry.js';
import { gradcheck, randomTensor, type GradcheckOptions } from './gradcheck.js';

export interface LayerCheckOptions {
  /** Training behaviour in the calls (default false). */
  training?: boolean;
  /** Seed of the input values. */
  seed?: number;
  /** Skip the gradient check (layers without gradients, or with random masks). */
  skipGradcheck?: boolean;
  /** The input values (default: random in ±[0.1, 2)). */
  input?: Tensor;
  gradcheck?: GradcheckOptions;
}

/** Bits of a float32 tensor, for exact comparisons. */
export function bits(t: Tensor): number[] {
  return Array.from(new Uint32Array(Float32Array.from(t.dataSync()).buffer));
}

/** Runs the checks above on `layer` (not built yet) for inputs of `shape` (batch first); returns the output. */
export function checkLayer(layer: Layer, shape: number[], options: LayerCheckOptions = {}): Tensor {
  const { training = false, seed = 1, skipGradcheck = false } = options;
  const x = options.input ?? randomTensor(shape, { seed });
  const y = dn.noGrad(() => layer.apply(x, { training }));
  const expected = layer.computeOutputShape([null, ...shape.slice(1)]);
  expect([shape[0], ...y.shape.slice(1)]).toEqual([shape[0], ...(expected as (number | null)[]).slice(1)]);
  expect(y.shape[0]).toBe(shape[0]);

  // The config rebuilds the layer (as loading a saved model does), with a fresh name.
  const config = serializeLayer(layer);
  const copy = deserializeLayer(JSON.parse(JSON.stringify({ ...config, config: { ...config.config, name: `${layer.name}_copy` } })));
  expect(copy.className).toBe(layer.className);
  const { name: _a, ...mine } = layer.getConfig();
  copy.build([null, ...shape.slice(1)]);
  const { name: _b, ...theirs } = copy.getConfig();
  expect(theirs).toEqual(mine);
  copy.setWeights(layer.getWeights());
  if (!training) expect(bits(dn.noGrad(() => copy.apply(x)))).toEqual(bits(y));

  if (!skipGradcheck) {
    const variables = layer.weights;
    gradcheck((input: Tensor, ...weights: Tensor[]) => {
      variables.forEach((v, i) => {
        v.value = weights[i];
      });
      return layer.apply(input, { training });
    }, [x, ...variables.map((v) => v.read())], options.gradcheck);
  }
  return y;
}
