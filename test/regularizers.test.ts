// Regularizers: penalties, their gradients, Keras defaults, lookup by name.
import { describe, expect, it } from 'vitest';
import { ArgumentTypeError, DTypeError, ValueError } from '../lib/errors.js';
import { tensor } from '../lib/tensor.js';
import { noGrad } from '../lib/autograd/engine.js';
import {
  deserializeRegularizer, getRegularizer, L1, L1L2, L2, l1, l1l2, l2, REGULARIZER_NAMES, serializeRegularizer,
} from '../lib/regularizers.js';

describe('regularizers: should throw', () => {
  it('rejects unknown options and bad factors', () => {
    expect(() => l2({ l1: 0.1 } as never)).toThrow(/l2: unknown option 'l1' \(did you mean 'l2'\?\); known options: l2/);
    expect(() => l1l2({ L1: 0.1 } as never)).toThrow(/unknown option 'L1'/);
    expect(() => l1({ l1: -0.1 })).toThrow(ValueError);
    expect(() => l2({ l2: '0.1' as never })).toThrow(ArgumentTypeError);
    expect(() => l1l2({ l1: 0, l2: Number.POSITIVE_INFINITY })).toThrow(ValueError);
  });

  it('rejects what is not a float32 tensor', () => {
    expect(() => l2().apply([1, 2] as never)).toThrow(/L2.apply: x must be a Tensor/);
    expect(() => l2().apply(tensor([1, 2], { dtype: 'int32' }))).toThrow(DTypeError);
  });

  it('names the valid regularizers for an unknown name', () => {
    expect(() => getRegularizer('l3')).toThrow(/unknown regularizer 'l3' \(did you mean 'l1'\?\); known regularizers: l1, l2, l1l2/);
    expect(() => getRegularizer(null as never)).toThrow(ArgumentTypeError);
    expect(() => deserializeRegularizer({ className: 'L3', config: {} })).toThrow(/unknown regularizer class 'L3'/);
  });
});

describe('regularizers: penalties and gradients', () => {
  it('computes l1 * sum|x| + l2 * sum x^2 as a rank-0 tensor', () => {
    const x = tensor([[1, -2], [3, 0]]);
    expect(l1({ l1: 0.1 }).apply(x).item()).toBeCloseTo(0.6, 6);
    expect(l2({ l2: 0.01 }).apply(x).item()).toBeCloseTo(0.14, 6);
    const both = l1l2({ l1: 0.1, l2: 0.01 }).apply(x);
    expect(both.shape).toEqual([]);
    expect(both.item()).toBeCloseTo(0.74, 6);
  });

  it('has the Keras defaults (0.01; l1l2 0.01 and 0.01)', () => {
    expect(l1().getConfig()).toEqual({ l1: 0.01 });
    expect(l2().getConfig()).toEqual({ l2: 0.01 });
    expect(l1l2().getConfig()).toEqual({ l1: 0.01, l2: 0.01 });
    expect(new L1L2({ l2: 0.5 }).getConfig()).toEqual({ l1: 0.01, l2: 0.5 });
  });

  it('differentiates: l1 * sign(x) + 2 * l2 * x, with sign(0) = 0', () => {
    const x = tensor([1.5, -2, 0, 0.25], { requiresGrad: true });
    l1l2({ l1: 0.1, l2: 0.5 }).apply(x).backward();
    const expected = [0.1 + 1.5, -0.1 - 2, 0, 0.1 + 0.25];
    Array.from(x.grad!.dataSync()).forEach((g, i) => expect(g).toBeCloseTo(expected[i], 6));
  });

  it('agrees with central finite differences (tolerance 1e-3, float32 forward)', () => {
    const values = [0.7, -1.3, 2.1, -0.4, 0.9, 1.1];
    const regularizer = l1l2({ l1: 0.05, l2: 0.2 });
    const x = tensor(values, { shape: [2, 3], requiresGrad: true });
    regularizer.apply(x).backward();
    const analytic = Array.from(x.grad!.dataSync());
    const h = 1e-2;
    values.forEach((_, i) => {
      const at = (delta: number) => noGrad(() => regularizer.apply(tensor(values.map((v, j) => (j === i ? v + delta : v)), [2, 3])).item());
      expect(analytic[i]).toBeCloseTo((at(h) - at(-h)) / (2 * h), 3);
    });
  });

  it('adds into a loss that is differentiated as a whole', () => {
    const w = tensor([1, -1], { requiresGrad: true });
    const loss = w.square().sum().add(l2({ l2: 0.5 }).apply(w));
    expect(loss.item()).toBeCloseTo(3, 6);
    loss.backward();
    expect(Array.from(w.grad!.dataSync())).toEqual([3, -3]);
  });

  it('works on a non-contiguous view', () => {
    const x = tensor([[1, 2], [3, 4]], { requiresGrad: true });
    const penalty = l1({ l1: 1 }).apply(x.transpose());
    expect(penalty.item()).toBe(10);
    penalty.backward();
    expect(Array.from(x.grad!.dataSync())).toEqual([1, 1, 1, 1]);
  });
});

describe('regularizers: by name and config', () => {
  it('finds names and class names and round-trips configs', () => {
    expect(REGULARIZER_NAMES).toEqual(['l1', 'l2', 'l1l2']);
    expect(getRegularizer('l2')).toBeInstanceOf(L2);
    expect(getRegularizer('L1')).toBeInstanceOf(L1);
    const object = l1l2({ l1: 0.2, l2: 0.3 });
    expect(getRegularizer(object)).toBe(object);
    for (const r of [l1({ l1: 0.2 }), l2({ l2: 0.3 }), l1l2({ l1: 0.4, l2: 0.5 })]) {
      const rebuilt = getRegularizer(JSON.parse(JSON.stringify(serializeRegularizer(r))));
      expect(rebuilt.className).toBe(r.className);
      expect(rebuilt.getConfig()).toEqual(r.getConfig());
    }
  });
});
