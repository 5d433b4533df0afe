// Activations by name or object: lookup, errors, forward values, op codes for fused epilogues.
import { describe, expect, it } from 'vitest';
import * as dn from '../lib/index.js';
import { ArgumentTypeError, ValueError } from '../lib/errors.js';
import { binding } from '../lib/native.js';
import { ACTIVATION_NAMES, getActivation, serializeActivation } from '../lib/activations.js';
import { gradcheck } from './helpers/gradcheck.js';

describe('activations: should throw', () => {
  it('lists the valid names for an unknown one', () => {
    expect(() => getActivation('tanhh' as never)).toThrow(ValueError);
    expect(() => getActivation('tanhh' as never)).toThrow(
      "getActivation: unknown activation 'tanhh' (did you mean 'tanh'?); expected one of 'linear', 'relu', 'leakyRelu', 'elu', 'sigmoid', 'tanh', 'softmax', 'gelu', 'swish', 'softplus', 'selu', 'softsign', 'hardSigmoid', 'hardSwish', 'relu6', 'mish', 'exponential', 'logSoftmax', an activation object or a function",
    );
    expect(() => getActivation(5 as never)).toThrow(ArgumentTypeError);
    expect(() => getActivation({ className: 'nope', config: {} })).toThrow(ValueError);
  });

  it('validates factory options', () => {
    expect(() => dn.activations.leakyRelu({ slope: 0.1 } as never)).toThrow(/leakyRelu: unknown option 'slope'/);
    expect(() => dn.activations.elu({ alpha: Number.NaN })).toThrow(ValueError);
    expect(() => dn.activations.gelu({ approximate: 'tanh' as never })).toThrow(ArgumentTypeError);
    expect(() => dn.activations.softmax({ axis: 0.5 })).toThrow(ValueError);
  });
});

describe('activations', () => {
  const x = dn.tensor([-2, -0.5, 0, 0.5, 2]);
  const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
  const expected: Record<string, (v: number) => number> = {
    linear: (v) => v,
    relu: (v) => Math.max(v, 0),
    leakyRelu: (v) => (v > 0 ? v : 0.2 * v),
    elu: (v) => (v > 0 ? v : Math.expm1(v)),
    sigmoid,
    tanh: Math.tanh,
    swish: (v) => v * sigmoid(v),
    softplus: (v) => Math.log1p(Math.exp(v)),
    // Reference values of x * Phi(x) at the points above.
    gelu: (v) => ({ [-2]: -0.045500263896, [-0.5]: -0.154268769363, 0: 0, 0.5: 0.345731230637, 2: 1.954499736 })[v]!,
    selu: (v) => 1.0507009873554805 * (v > 0 ? v : 1.6732632423543772 * Math.expm1(v)),
    softsign: (v) => v / (1 + Math.abs(v)),
    hardSigmoid: (v) => Math.min(Math.max(v / 6 + 0.5, 0), 1),
    hardSwish: (v) => v * Math.min(Math.max(v / 6 + 0.5, 0), 1),
    relu6: (v) => Math.min(Math.max(v, 0), 6),
    mish: (v) => v * Math.tanh(Math.log1p(Math.exp(v))),
    exponential: Math.exp,
  };

  for (const name of ACTIVATION_NAMES.filter((n) => n !== 'softmax' && n !== 'logSoftmax')) {
    it(`${name} by name computes its function (to 6 decimals)`, () => {
      const values = getActivation(name).apply(x).dataSync();
      x.dataSync().forEach((v, i) => expect(values[i]).toBeCloseTo(expected[name](v), 6));
    });
  }

  it('softmax normalizes along the last axis', () => {
    const y = getActivation('softmax').apply(dn.tensor([[1, 2, 3], [0, 0, 0]]));
    const rows = y.toArray() as number[][];
    rows.forEach((row) => expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6));
    expect(rows[1][0]).toBeCloseTo(1 / 3, 6);
  });

  it('logSoftmax is the log of softmax along an axis (the last by default)', () => {
    const logits = dn.tensor([[1, 2, 3], [0, 0, 0]]);
    const got = getActivation('logSoftmax').apply(logits).dataSync();
    const want = dn.softmax(logits).log().dataSync();
    want.forEach((v, i) => expect(got[i]).toBeCloseTo(v, 6));
    const columns = dn.activations.logSoftmax({ axis: 0 }).apply(logits);
    expect(columns.toArray()).toEqual(dn.logSoftmax(logits, 0).toArray());
    expect(serializeActivation(dn.activations.logSoftmax({ axis: 0 }))).toEqual({ className: 'logSoftmax', config: { axis: 0 } });
    expect(getActivation('logSoftmax').unaryCode).toBeNull();
    expect(getActivation('exponential').unaryCode).toBe(binding.opCodes.unary.exp);
  });

  it('carries the native op code of elementwise activations (for the GEMM epilogue)', () => {
    expect(getActivation('relu').unaryCode).toBe(binding.opCodes.unary.relu);
    expect(getActivation('swish').unaryCode).toBe(binding.opCodes.unary.silu);
    expect(dn.activations.gelu({ approximate: true }).unaryCode).toBe(binding.opCodes.unary.geluTanh);
    expect(getActivation('softmax').unaryCode).toBeNull();
    expect(dn.activations.leakyRelu({ alpha: 0.1 }).param).toBe(0.1);
    expect(getActivation('relu').gradFromOutput).toBe(true);
    expect(getActivation('gelu').gradFromOutput).toBe(false);
    for (const name of ['selu', 'softsign', 'hardSigmoid', 'hardSwish', 'relu6', 'mish'] as const) {
      expect(getActivation(name).unaryCode, name).toBe(binding.opCodes.unary[name]);
    }
    // Derivatives from the output where the output determines them (no pre-activation kept in Dense).
    expect(['selu', 'hardSigmoid', 'relu6'].map((n) => getActivation(n as never).gradFromOutput)).toEqual([true, true, true]);
    expect(['softsign', 'hardSwish', 'mish'].map((n) => getActivation(n as never).gradFromOutput)).toEqual([false, false, false]);
  });

  it('resolves the TensorFlow.js and Keras 3 identifiers of every activation', () => {
    // tfjs-layers: activations.ts class names and keras_format/activation_config.ts; Keras 3:
    // activations/__init__.py ALL_OBJECTS_DICT and its aliases ('swish', 'hard_swish').
    const identifiers: Record<string, string> = {
      linear: 'linear', relu: 'relu', relu6: 'relu6', elu: 'elu', selu: 'selu', sigmoid: 'sigmoid',
      hardSigmoid: 'hardSigmoid', hard_sigmoid: 'hardSigmoid', softplus: 'softplus', softsign: 'softsign',
      tanh: 'tanh', softmax: 'softmax', swish: 'swish', Swish: 'swish', silu: 'swish', mish: 'mish',
      gelu: 'gelu', leaky_relu: 'leakyRelu', leakyRelu: 'leakyRelu', hard_silu: 'hardSwish',
      hard_swish: 'hardSwish', hardSwish: 'hardSwish', exponential: 'exponential', logSoftmax: 'logSoftmax',
      log_softmax: 'logSoftmax',
    };
    for (const [identifier, name] of Object.entries(identifiers)) {
      expect(getActivation(identifier as never).name, identifier).toBe(name);
      expect(dn.layers.activation({ activation: identifier as never }).activation.name, identifier).toBe(name);
      expect(dn.layers.dense({ units: 2, activation: identifier as never }).activation.name, identifier).toBe(name);
    }
    // An alias serializes under the canonical name.
    expect(serializeActivation(getActivation('hard_sigmoid'))).toBe('hardSigmoid');
  });

  it('accepts aliases, objects, functions and serialized forms', () => {
    expect(getActivation('silu').name).toBe('swish');
    const object = dn.activations.elu({ alpha: 0.5 });
    expect(getActivation(object)).toBe(object);
    expect(serializeActivation(object)).toEqual({ className: 'elu', config: { alpha: 0.5 } });
    expect(serializeActivation(getActivation('relu'))).toBe('relu');
    expect(getActivation({ className: 'elu', config: { alpha: 0.5 } }).apply(dn.tensor([-1])).item()).toBeCloseTo(0.5 * Math.expm1(-1), 6);
    const custom = getActivation((t: dn.Tensor) => t.mul(3));
    expect(custom.apply(dn.tensor([2])).item()).toBe(6);
    expect(serializeActivation(custom)).toBeNull();
  });
});

describe("hardSigmoid({ slope }): TensorFlow.js's and Keras 2's hard sigmoid", () => {
  it('is clip(slope x + 0.5, 0, 1) with its gradient, serializes with its slope, and runs in layers', () => {
    const ramp = dn.activations.hardSigmoid({ slope: 0.2 });
    expect(ramp.apply(dn.tensor([-5, -1, 0, 1.5, 2.5, 7])).toArray()).toEqual([0, 0.3, 0.5, 0.8, 1, 1].map(Math.fround));
    gradcheck((x) => ramp.apply(x), [dn.tensor([-3.1, -0.7, 0.4, 1.9, 2.6])]);
    expect(serializeActivation(ramp)).toEqual({ className: 'hardSigmoid', config: { slope: 0.2 } });
    expect(getActivation({ className: 'hardSigmoid', config: { slope: 0.2 } }).apply(dn.tensor([1])).item()).toBeCloseTo(0.7, 6);
    // The default slope (1/6) is the native kernel's, the same as no option.
    expect(dn.activations.hardSigmoid({ slope: 1 / 6 }).unaryCode).toBe(dn.activations.hardSigmoid().unaryCode);
    const layer = dn.layers.dense({ units: 2, activation: ramp, inputShape: [2] });
    const model = dn.sequential({ layers: [layer] });
    model.setWeights([dn.tensor([[1, 0], [0, 1]]), dn.tensor([0, 0])]);
    expect(model.predict(dn.tensor([[1, -10]])).toArray()).toEqual([[Math.fround(0.7), 0]]);
    expect(dn.layers.dense({ units: 1, activation: ramp }).getConfig().activation).toEqual({ className: 'hardSigmoid', config: { slope: 0.2 } });
  });
  it('refuses a slope that is not a positive finite number', () => {
    expect(() => dn.activations.hardSigmoid({ slope: 0 })).toThrow(/hardSigmoid: slope must be a positive finite number; received 0/);
    expect(() => dn.activations.hardSigmoid({ slope: 'x' as never })).toThrow(ArgumentTypeError);
    expect(() => dn.activations.hardSigmoid({ alpha: 0.2 } as never)).toThrow(/hardSigmoid: unknown option 'alpha'/);
  });
});

describe('selu with lecunNormal (the pairing Keras recommends)', () => {
  it('keeps activations near mean 0 and variance 1 through a deep stack (self-normalizing)', () => {
    const layers = Array.from({ length: 12 }, (_, i) =>
      dn.layers.dense({ units: 64, activation: 'selu', kernelInitializer: dn.initializers.lecunNormal({ seed: 100 + i }), ...(i === 0 ? { inputShape: [64] } : {}) }));
    const model = dn.sequential({ layers });
    const y = model.predict(dn.randn([1024, 64], { seed: 5 }));
    const mean = y.mean().item();
    const variance = y.sub(mean).square().mean().item();
    expect(Math.abs(mean)).toBeLessThan(0.1);
    expect(variance).toBeGreaterThan(0.8);
    expect(variance).toBeLessThan(1.2);
  });
});

// Expected values transcribed from the peers' own unit tests. Where a test draws random inputs, the
// same reference function is evaluated at fixed points inside the ranges it draws from, with its rtol.
describe('activations: the peers\' expected values', () => {
  const run = (name: string, points: number[]) => Array.from(getActivation(name as never).apply(dn.tensor(points)).dataSync());
  /** numpy assert_allclose as Keras' assertAllClose calls it: |got - want| <= atol + rtol |want|. */
  const allClose = (got: number[], want: number[], rtol = 1e-5, atol = 1e-6) =>
    got.forEach((v, i) => expect(Math.abs(v - want[i]), `${v} vs ${want[i]}`).toBeLessThanOrEqual(atol + rtol * Math.abs(want[i])));
  /** tfjs' expectTensorsClose on float32: |got - want| <= 1e-3. */
  const tfjsClose = (got: number[], want: number[]) => got.forEach((v, i) => expect(Math.abs(v - want[i])).toBeLessThanOrEqual(1e-3));
  const SCALE = 1.0507009873554804934193349852946;
  const ALPHA = 1.6732632423543772848170429916717;

  it('tfjs-layers activations_test.ts: selu, relu6, softsign, mish, hardSigmoid', () => {
    const init = [-1, 2, 0, 4, -5, 6];
    // 'selu activation' > '1D'
    tfjsClose(run('selu', init), init.map((x) => SCALE * (x < 0 ? ALPHA * (Math.exp(x) - 1) : x)));
    // 'relu6 activation' > '1D'
    expect(run('relu6', [-10, -5, 0, 1, 5, 15])).toEqual([0, 0, 0, 1, 5, 6]);
    // 'softsign activation' > 'Scalar' and '3D'
    expect(run('softsign', [0])).toEqual([0]);
    tfjsClose(run('softsign', init), init.map((v) => v / (Math.abs(v) + 1)));
    // 'mish activation' > '1D' and '1D all equal'
    tfjsClose(run('mish', [0, 1, 3, 9]), [0, 0.865, 2.987, 9]);
    tfjsClose(run('mish', [-1, -1, -1, -1]), [-0.303, -0.303, -0.303, -0.303]);
    // 'hardSigmoid activation' > 'Scalar' agrees; '3D' uses tfjs' slope 0.2, where Dendrite follows
    // Keras 3's 1/6 (a documented difference): y = 0.2 x + 0.5 would give 0.3 at -1 and 0.9 at 2.
    expect(run('hardSigmoid', [0])).toEqual([0.5]);
    tfjsClose(run('hardSigmoid', init), [1 / 3, 5 / 6, 0.5, 1, 0, 1]);
  });

  it('Keras 3 activations_test.py: test_selu, test_relu6, test_relu_to_trigger_relu6', () => {
    // test_selu: positive values times scale (rtol 1e-5); negatives (exp(x) - 1) * scale * alpha.
    allClose(run('selu', [1, 2]), [1 * SCALE, 2 * SCALE]);
    allClose(run('selu', [-1, -2]), [-1, -2].map((x) => (Math.exp(x) - 1) * SCALE * ALPHA), 1e-6);
    // test_relu6: _ref_relu6 = min(max(0, x), 6) on [0, 5.9], [6.1, 10] and [-1, 0].
    const relu6Points = [0, 0.25, 3.3, 5.9, 6.1, 7.7, 10, -1, -0.4];
    allClose(run('relu6', relu6Points), relu6Points.map((x) => Math.min(Math.max(0, x), 6)));
    // test_relu_to_trigger_relu6 (relu with max_value 6 is relu6)
    expect(run('relu6', [-10, -5, 0, 5, 10, 12])).toEqual([0, 0, 0, 5, 6, 6]);
  });

  it('Keras 3 activations_test.py: test_hard_sigmoid, test_hard_silu', () => {
    // _ref_hard_sigmoid: x / 6 + 0.5, then 0 at or below 0 and 1 at or above 1 (ranges [0, 1], [-10, 10], [5, 10] -> 1).
    const refHardSigmoid = (x: number) => { const z = x / 6.0 + 0.5; return z <= 0 ? 0 : z >= 1 ? 1 : z; };
    const points = [0, 0.4, 1, -10, -3.2, -2.9, -0.7, 2.2, 2.99, 10, 5, 7.3];
    allClose(run('hard_sigmoid', points), points.map(refHardSigmoid));
    expect(run('hard_sigmoid', [5, 6.5, 9.9])).toEqual([1, 1, 1]);
    // _ref_hard_silu: x * min(max(0, x + 3), 6) * (1 / 6) (ranges [-3, 3], [-10, 10]; [5, 10] -> x; [-10, -5] -> 0).
    const refHardSilu = (x: number) => x * Math.min(Math.max(0.0, x + 3.0), 6.0) * (1.0 / 6.0);
    const siluPoints = [-3, -2.2, -0.1, 0.9, 3, -10, -4.4, 6.6, 10].map(Math.fround);
    allClose(run('hard_silu', siluPoints), siluPoints.map(refHardSilu));
    expect(run('hard_swish', [5, 7.5, 10])).toEqual([5, 7.5, 10]);
    allClose(run('hardSwish', [-10, -7.5, -5]), [0, 0, 0]);
  });

  it('tfjs-layers activations_test.ts: logsoftmax; Keras 3 activations_test.py: test_log_softmax_1d, test_exponential', () => {
    // 'logsoftmax activation' > '1D' and '1D all equal'
    tfjsClose(run('logSoftmax', [0, 1, 3, 9]), [-9.003, -8.003, -6.003, -0.003]);
    tfjsClose(run('logSoftmax', [-1, -1, -1, -1]), [-1.386, -1.386, -1.386, -1.386]);
    // _ref_log_softmax: (x - max) - log(sum(exp(x - max))) on np.random.random(5), rtol 1e-5.
    const points = [0.12, 0.87, 0.45, 0.03, 0.66].map(Math.fround);
    const max = Math.max(...points);
    const logSum = Math.log(points.reduce((sum, v) => sum + Math.exp(v - max), 0));
    allClose(run('log_softmax', points), points.map((v) => v - max - logSum));
    // test_exponential: np.exp on [0, 1], [-10, 10], near zero (+-1e-7), rtol 1e-5.
    const expPoints = [0.3, 0.99, -10, -2.5, 7.1, 10, 1e-7, -5e-8].map(Math.fround);
    allClose(run('exponential', expPoints), expPoints.map(Math.exp));
  });

  it('Keras 3 activations_test.py: test_softsign, test_mish', () => {
    // _ref_softsign: x / (1 + |x|) on [0, 1], [-10, 10], near zero (+-1e-7), [10, 100], [-100, -10].
    const softsignPoints = [0.3, 0.95, -9.5, 4.2, 1e-7, -6e-8, 10, 64, 100, -100, -37].map(Math.fround);
    allClose(run('softsign', softsignPoints), softsignPoints.map((x) => x / (1 + Math.abs(x))));
    // mish: x * tanh(_ref_softplus(x)), _ref_softplus = log(1 + exp(x)), on [0, 1], [-10, 10], near zero,
    // [1e4, 1e5] (where exp overflows in double, so the reference there is x itself).
    const softplus = (x: number) => Math.log(1 + Math.exp(x));
    const mishPoints = [0.2, 0.9, -10, -4.5, -0.6, 2.5, 10, 1e-7, -8e-8].map(Math.fround);
    allClose(run('mish', mishPoints), mishPoints.map((x) => x * Math.tanh(softplus(x))));
    allClose(run('mish', [1e4, 5e4, 1e5]), [1e4, 5e4, 1e5]);
  });
});
