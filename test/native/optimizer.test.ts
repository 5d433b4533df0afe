// Raw binding of the optimizer kernel: optimizerUpdate. Bad arguments first; then the scalar reference
// against a double-precision implementation of each rule over several steps, every ISA against the scalar
// reference, and results that do not depend on the thread count.
import { afterAll, describe, expect, it } from 'vitest';
import { ArgumentTypeError, ValueError } from '../../lib/errors.js';
import { binding } from '../../lib/native.js';

const info = binding.backendInfo();
const isas = info.isas;
afterAll(() => {
  binding.setIsa(info.isa);
  binding.setNumThreads(info.threads);
});
const kinds = binding.opCodes.optimizer;

interface Hyper {
  learningRate: number;
  momentum: number;
  nesterov: boolean;
  beta1: number;
  beta2: number;
  epsilon: number;
  weightDecay: number;
  decoupled: boolean;
  clipValue: number;
  gradScale: number;
  step: number;
  amsgrad: boolean;
  centered: boolean;
}
const defaults: Hyper = {
  learningRate: 0.01, momentum: 0, nesterov: false, beta1: 0.9, beta2: 0.999, epsilon: 1e-7,
  weightDecay: 0, decoupled: false, clipValue: 0, gradScale: 1, step: 1, amsgrad: false, centered: false,
};
function hyperArray(h: Hyper): Float64Array {
  return Float64Array.from([
    h.learningRate, h.momentum, h.nesterov ? 1 : 0, h.beta1, h.beta2, h.epsilon, h.weightDecay,
    h.decoupled ? 1 : 0, h.clipValue, h.gradScale, h.step, h.amsgrad ? 1 : 0, h.centered ? 1 : 0,
  ]);
}

type Kind = keyof typeof kinds;
interface Case {
  name: string;
  kind: Kind;
  hyper: Partial<Hyper>;
}
const CASES: Case[] = [
  { name: 'sgd', kind: 'sgd', hyper: { learningRate: 0.1 } },
  { name: 'sgd momentum + coupled weight decay', kind: 'sgd', hyper: { learningRate: 0.05, momentum: 0.9, weightDecay: 0.01 } },
  { name: 'nesterov + gradScale', kind: 'sgd', hyper: { learningRate: 0.05, momentum: 0.8, nesterov: true, gradScale: 0.5 } },
  { name: 'sgd + clipValue', kind: 'sgd', hyper: { learningRate: 0.1, clipValue: 0.4 } },
  { name: 'adam (bias-corrected)', kind: 'adam', hyper: { learningRate: 0.01 } },
  { name: 'adam + coupled weight decay + clipValue', kind: 'adam', hyper: { learningRate: 0.01, weightDecay: 0.05, clipValue: 0.6 } },
  { name: 'adamw', kind: 'adam', hyper: { learningRate: 0.01, beta1: 0.8, weightDecay: 0.1, decoupled: true } },
  { name: 'rmsprop', kind: 'rmsprop', hyper: { learningRate: 0.01, beta2: 0.9 } },
  { name: 'rmsprop + momentum + gradScale', kind: 'rmsprop', hyper: { learningRate: 0.01, beta2: 0.9, momentum: 0.5, gradScale: 2 } },
  { name: 'adagrad', kind: 'adagrad', hyper: { learningRate: 0.1 } },
  { name: 'adagrad + decoupled weight decay', kind: 'adagrad', hyper: { learningRate: 0.1, weightDecay: 0.05, decoupled: true } },
  { name: 'adam amsgrad', kind: 'adam', hyper: { learningRate: 0.01, amsgrad: true } },
  { name: 'adamw amsgrad + clipValue', kind: 'adam', hyper: { learningRate: 0.01, amsgrad: true, weightDecay: 0.1, decoupled: true, clipValue: 0.5 } },
  { name: 'rmsprop centered', kind: 'rmsprop', hyper: { learningRate: 0.01, beta2: 0.9, centered: true } },
  { name: 'rmsprop centered + momentum', kind: 'rmsprop', hyper: { learningRate: 0.01, beta2: 0.8, centered: true, momentum: 0.5 } },
  { name: 'adamax', kind: 'adamax', hyper: { learningRate: 0.02 } },
  { name: 'adamax + decoupled weight decay + gradScale', kind: 'adamax', hyper: { learningRate: 0.02, beta1: 0.8, beta2: 0.95, weightDecay: 0.1, decoupled: true, gradScale: 0.5 } },
  { name: 'adadelta', kind: 'adadelta', hyper: { learningRate: 1, beta2: 0.95 } },
  { name: 'adadelta + coupled weight decay', kind: 'adadelta', hyper: { learningRate: 0.5, beta2: 0.8, epsilon: 1e-6, weightDecay: 0.01 } },
  { name: 'nadam', kind: 'nadam', hyper: { learningRate: 0.01 } },
  { name: 'nadam + decoupled weight decay + clipValue', kind: 'nadam', hyper: { learningRate: 0.01, beta1: 0.5, beta2: 0.67, weightDecay: 0.1, decoupled: true, clipValue: 0.4 } },
];

function needsState1(kind: Kind, h: Hyper): boolean {
  return kind !== 'sgd' || h.momentum !== 0;
}
function needsState2(kind: Kind, h: Hyper): boolean {
  return kind === 'adam' || kind === 'adamax' || kind === 'adadelta' || kind === 'nadam' || (kind === 'rmsprop' && h.momentum !== 0);
}
function needsState3(kind: Kind, h: Hyper): boolean {
  return (kind === 'adam' && h.amsgrad) || (kind === 'rmsprop' && h.centered);
}

/** Nadam's momentum schedule (Keras): u(t) = beta1 * (1 - 0.5 * 0.96^t), and its product over steps 1..t. */
const nadamMomentum = (beta1: number, t: number) => beta1 * (1 - 0.5 * 0.96 ** t);
function nadamProduct(beta1: number, t: number): number {
  let product = 1;
  for (let i = 1; i <= t; i++) product *= nadamMomentum(beta1, i);
  return product;
}

/** One step of each rule in double precision, as kernels.h defines it. */
function stepDouble(kind: Kind, h: Hyper, p: Float64Array, grad: Float32Array, s1: Float64Array, s2: Float64Array, s3: Float64Array): void {
  const { learningRate: lr, momentum, epsilon: eps, weightDecay: wd, beta1: b1, beta2: b2, step: t } = h;
  for (let i = 0; i < p.length; i++) {
    let g = grad[i] * h.gradScale;
    if (h.clipValue > 0) g = Math.min(Math.max(g, -h.clipValue), h.clipValue);
    if (wd !== 0) {
      if (h.decoupled) p[i] -= lr * wd * p[i];
      else g += wd * p[i];
    }
    if (kind === 'sgd') {
      if (momentum === 0) {
        p[i] -= lr * g;
      } else {
        s1[i] = momentum * s1[i] + g;
        p[i] -= lr * (h.nesterov ? g + momentum * s1[i] : s1[i]);
      }
    } else if (kind === 'adam') {
      s1[i] = b1 * s1[i] + (1 - b1) * g;
      s2[i] = b2 * s2[i] + (1 - b2) * g * g;
      if (h.amsgrad) s3[i] = Math.max(s3[i], s2[i]);
      const mhat = s1[i] / (1 - b1 ** t);
      const vhat = (h.amsgrad ? s3[i] : s2[i]) / (1 - b2 ** t);
      p[i] -= (lr * mhat) / (Math.sqrt(vhat) + eps);
    } else if (kind === 'rmsprop') {
      s1[i] = b2 * s1[i] + (1 - b2) * g * g;
      if (h.centered) s3[i] = b2 * s3[i] + (1 - b2) * g;
      const denominator = h.centered ? Math.max(0, s1[i] - s3[i] * s3[i]) : s1[i];
      let step = (lr * g) / (Math.sqrt(denominator) + eps);
      if (momentum !== 0) step = s2[i] = momentum * s2[i] + step;
      p[i] -= step;
    } else if (kind === 'adagrad') {
      s1[i] += g * g;
      p[i] -= (lr * g) / (Math.sqrt(s1[i]) + eps);
    } else if (kind === 'adamax') {
      s1[i] = b1 * s1[i] + (1 - b1) * g;
      s2[i] = Math.max(b2 * s2[i], Math.abs(g));
      p[i] -= (lr / (1 - b1 ** t)) * (s1[i] / (s2[i] + eps));
    } else if (kind === 'adadelta') {
      s1[i] = b2 * s1[i] + (1 - b2) * g * g;
      const delta = (Math.sqrt(s2[i] + eps) / Math.sqrt(s1[i] + eps)) * g;
      s2[i] = b2 * s2[i] + (1 - b2) * delta * delta;
      p[i] -= lr * delta;
    } else {
      s1[i] = b1 * s1[i] + (1 - b1) * g;
      s2[i] = b2 * s2[i] + (1 - b2) * g * g;
      const product = nadamProduct(b1, t), next = nadamMomentum(b1, t + 1);
      const estimate = (next * s1[i]) / (1 - product * next) + ((1 - nadamMomentum(b1, t)) * g) / (1 - product);
      p[i] -= (lr * estimate) / (Math.sqrt(s2[i] / (1 - b2 ** t)) + eps);
    }
  }
}

/** Float32 values of the hyper-parameters, as the kernel sees them. */
function asFloat32(h: Hyper): Hyper {
  const out = { ...h };
  for (const key of ['learningRate', 'momentum', 'beta1', 'beta2', 'epsilon', 'weightDecay', 'clipValue', 'gradScale'] as const) {
    out[key] = Math.fround(h[key]);
  }
  return out;
}

function values(n: number, seed: number, scale: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => (scale * (((i * 37 + seed * 11) % 29) - 14)) / 14);
}

describe('optimizerUpdate: bad arguments', () => {
  const f = (n: number) => new Float32Array(n);
  const hyper = (h: Partial<Hyper> = {}) => hyperArray({ ...defaults, ...h });
  const update = binding.optimizerUpdate as (...a: unknown[]) => void;
  const lastKind = Math.max(...Object.values(kinds));

  it('rejects wrong types with ArgumentTypeError', () => {
    expect(() => update('adam', hyper(), f(4), f(4), f(4), f(4), null, 4)).toThrow(ArgumentTypeError);
    expect(() => update(kinds.sgd, [0.1, 0, 0, 0.9, 0.999, 1e-7, 0, 0, 0, 1, 1, 0, 0], f(4), f(4), null, null, null, 4)).toThrow(/hyper must be a Float64Array/);
    expect(() => update(kinds.sgd, new Float32Array(13), f(4), f(4), null, null, null, 4)).toThrow(ArgumentTypeError);
    expect(() => update(kinds.sgd, hyper(), [1, 2], f(4), null, null, null, 2)).toThrow(/optimizerUpdate: param must be a Float32Array/);
    expect(() => update(kinds.sgd, hyper(), f(4), new Float64Array(4), null, null, null, 4)).toThrow(ArgumentTypeError);
    expect(() => update(kinds.adagrad, hyper(), f(4), f(4), new Int32Array(4), null, null, 4)).toThrow(/state1 must be a Float32Array/);
    expect(() => update(kinds.sgd, hyper(), f(4), f(4), null, 'state', null, 4)).toThrow(ArgumentTypeError);
    expect(() => update(kinds.adam, hyper({ amsgrad: true }), f(4), f(4), f(4), f(4), [0, 0, 0, 0], 4)).toThrow(/state3 must be a Float32Array/);
    expect(() => update(kinds.sgd, hyper(), f(4), f(4), null, null, null)).toThrow(/expected 8 arguments, got 7/);
  });

  it('validates kind, hyper length and every hyper-parameter with ValueError naming it', () => {
    expect(() => binding.optimizerUpdate(lastKind + 1, hyper(), f(4), f(4), null, null, null, 4)).toThrow(
      new RegExp(`kind must be an integer from 0 to ${lastKind}, got ${lastKind + 1}`),
    );
    expect(() => binding.optimizerUpdate(kinds.sgd, new Float64Array(11), f(4), f(4), null, null, null, 4)).toThrow(/hyper must have 13 elements .*amsgrad, centered\], got 11/);
    const bad: [Partial<Hyper>, RegExp][] = [
      [{ learningRate: NaN }, /hyper\[0\] \(learningRate\) must be a finite float32 number, got nan/],
      [{ learningRate: -0.1 }, /hyper\[0\] \(learningRate\) must be >= 0/],
      [{ learningRate: 1e39 }, /learningRate\) must be a finite float32/],
      [{ momentum: -0.5 }, /hyper\[1\] \(momentum\) must be >= 0/],
      [{ epsilon: Infinity }, /hyper\[5\] \(epsilon\)/],
      [{ weightDecay: -1 }, /hyper\[6\] \(weightDecay\) must be >= 0/],
      [{ clipValue: -1 }, /hyper\[8\] \(clipValue\) must be >= 0/],
      [{ gradScale: NaN }, /hyper\[9\] \(gradScale\)/],
      [{ step: 0 }, /hyper\[10\] \(step\) must be an integer >= 1/],
      [{ step: 2.5 }, /\(step\) must be an integer >= 1/],
    ];
    for (const [h, message] of bad) {
      expect(() => binding.optimizerUpdate(kinds.sgd, hyper(h), f(4), f(4), null, null, null, 4)).toThrow(message);
      expect(() => binding.optimizerUpdate(kinds.sgd, hyper(h), f(4), f(4), null, null, null, 4)).toThrow(ValueError);
    }
    const nesterov = hyperArray({ ...defaults, nesterov: true });
    expect(() => binding.optimizerUpdate(kinds.sgd, nesterov, f(4), f(4), null, null, null, 4)).toThrow(/\(momentum\) must be > 0 when nesterov is 1/);
    const flag = hyper();
    flag[2] = 0.5;
    expect(() => binding.optimizerUpdate(kinds.sgd, flag, f(4), f(4), null, null, null, 4)).toThrow(/hyper\[2\] \(nesterov\) must be 0 or 1/);
    flag[2] = 0;
    flag[7] = 2;
    expect(() => binding.optimizerUpdate(kinds.sgd, flag, f(4), f(4), null, null, null, 4)).toThrow(/\(decoupled\) must be 0 or 1/);
    flag[7] = 0;
    flag[11] = -1;
    expect(() => binding.optimizerUpdate(kinds.adam, flag, f(4), f(4), f(4), f(4), null, 4)).toThrow(/hyper\[11\] \(amsgrad\) must be 0 or 1/);
    flag[11] = 0;
    flag[12] = 3;
    expect(() => binding.optimizerUpdate(kinds.rmsprop, flag, f(4), f(4), f(4), null, null, 4)).toThrow(/hyper\[12\] \(centered\) must be 0 or 1/);
    // Each variant belongs to one rule.
    expect(() => binding.optimizerUpdate(kinds.nadam, hyper({ amsgrad: true }), f(4), f(4), f(4), f(4), f(4), 4)).toThrow(/\(amsgrad\) must be 0 for nadam \(only adam has it\)/);
    expect(() => binding.optimizerUpdate(kinds.adadelta, hyper({ centered: true }), f(4), f(4), f(4), f(4), f(4), 4)).toThrow(/\(centered\) must be 0 for adadelta \(only rmsprop has it\)/);
    expect(() => binding.optimizerUpdate(kinds.adam, hyper({ nesterov: true, momentum: 0.9 }), f(4), f(4), f(4), f(4), null, 4)).toThrow(/\(nesterov\) must be 0 for adam \(only sgd has it\)/);
    // beta1 and beta2 are decay rates in [0, 1) wherever the rule uses them (beta2 is rmsprop's and adadelta's rho).
    for (const kind of ['adam', 'adamax', 'nadam'] as const) {
      expect(() => binding.optimizerUpdate(kinds[kind], hyper({ beta1: 1 }), f(4), f(4), f(4), f(4), null, 4)).toThrow(/hyper\[3\] \(beta1\) must be in \[0, 1\)/);
      expect(() => binding.optimizerUpdate(kinds[kind], hyper({ beta2: -0.1 }), f(4), f(4), f(4), f(4), null, 4)).toThrow(/\(beta2\) must be in \[0, 1\)/);
    }
    expect(() => binding.optimizerUpdate(kinds.rmsprop, hyper({ beta2: 1 }), f(4), f(4), f(4), null, null, 4)).toThrow(/\(beta2\) must be in \[0, 1\)/);
    expect(() => binding.optimizerUpdate(kinds.adadelta, hyper({ beta2: 1.5 }), f(4), f(4), f(4), f(4), null, 4)).toThrow(/\(beta2\) must be in \[0, 1\)/);
    // beta1 means nothing to sgd, rmsprop or adadelta, so it is only required to be finite there.
    expect(() => binding.optimizerUpdate(kinds.sgd, hyper({ beta1: 1 }), f(4), f(4), null, null, null, 4)).not.toThrow();
    expect(() => binding.optimizerUpdate(kinds.adadelta, hyper({ beta1: 1, beta2: 0.95 }), f(4), f(4), f(4), f(4), null, 4)).not.toThrow();
  });

  it('requires state buffers exactly when the rule keeps them, long enough', () => {
    const momentum = hyper({ momentum: 0.9 });
    const call = (kind: Kind, h: Float64Array, s1: Float32Array | null, s2: Float32Array | null, s3: Float32Array | null) =>
      () => binding.optimizerUpdate(kinds[kind], h, f(4), f(4), s1, s2, s3, 4);
    expect(call('sgd', hyper(), f(4), null, null)).toThrow(/state1 must be null for sgd without momentum/);
    expect(call('sgd', momentum, null, null, null)).toThrow(/state1 is required by sgd with momentum \(the velocity\), got null/);
    expect(call('sgd', momentum, f(4), f(4), null)).toThrow(/state2 must be null for sgd/);
    expect(call('adam', hyper(), f(4), null, null)).toThrow(/state2 is required by adam without amsgrad \(the second moment v\)/);
    expect(call('adam', hyper(), null, f(4), null)).toThrow(/state1 is required by adam/);
    expect(call('adam', hyper(), f(4), f(4), f(4))).toThrow(/state3 must be null for adam without amsgrad/);
    expect(call('adam', hyper({ amsgrad: true }), f(4), f(4), null)).toThrow(/state3 is required by adam with amsgrad \(the largest second moment vmax\), got null/);
    expect(call('rmsprop', hyper(), f(4), f(4), null)).toThrow(/state2 must be null for rmsprop without momentum, not centered/);
    expect(call('rmsprop', momentum, f(4), null, null)).toThrow(/state2 is required by rmsprop with momentum/);
    expect(call('rmsprop', hyper({ centered: true }), f(4), null, null)).toThrow(/state3 is required by rmsprop without momentum, centered \(the mean gradient\)/);
    expect(call('rmsprop', hyper(), f(4), null, f(4))).toThrow(/state3 must be null for rmsprop without momentum, not centered/);
    expect(call('adagrad', hyper(), null, null, null)).toThrow(/state1 is required by adagrad/);
    expect(call('adamax', hyper(), f(4), null, null)).toThrow(/state2 is required by adamax \(the infinity norm u\)/);
    expect(call('adadelta', hyper({ beta2: 0.95 }), null, f(4), null)).toThrow(/state1 is required by adadelta \(the mean square gradient\)/);
    expect(call('adadelta', hyper({ beta2: 0.95 }), f(4), null, null)).toThrow(/state2 is required by adadelta \(the mean square update\)/);
    expect(call('nadam', hyper(), f(4), f(4), f(4))).toThrow(/state3 must be null for nadam/);
    expect(call('adam', hyper(), f(4), f(3), null)).toThrow(/state2 needs at least 4 elements, got 3/);
    expect(call('adam', hyper({ amsgrad: true }), f(4), f(4), f(2))).toThrow(/state3 needs at least 4 elements, got 2/);
    expect(() => binding.optimizerUpdate(kinds.adam, hyper(), f(3), f(4), f(4), f(4), null, 4)).toThrow(/param needs at least 4 elements, got 3/);
    expect(() => binding.optimizerUpdate(kinds.adam, hyper(), f(4), f(3), f(4), f(4), null, 4)).toThrow(/grad needs at least 4/);
    expect(() => binding.optimizerUpdate(kinds.adam, hyper(), f(4), f(4), f(4), f(4), null, -1)).toThrow(ValueError);
    // Empty buffers are fine.
    expect(() => binding.optimizerUpdate(kinds.adam, hyper(), f(0), f(0), f(0), f(0), null, 0)).not.toThrow();
  });
});

describe('optimizerUpdate rules', () => {
  /** The state buffers `c` keeps, from three candidates. */
  const states = (kind: Kind, h: Hyper, s1: Float32Array, s2: Float32Array, s3: Float32Array) =>
    [needsState1(kind, h) ? s1 : null, needsState2(kind, h) ? s2 : null, needsState3(kind, h) ? s3 : null] as const;

  it('the scalar reference follows each rule in double precision over five steps', () => {
    binding.setIsa('scalar');
    const n = 37;
    for (const c of CASES) {
      const h: Hyper = { ...defaults, ...c.hyper };
      const p = values(n, 0, 2);
      const pDouble = Float64Array.from(p);
      const s1 = new Float32Array(n).fill(c.kind === 'adagrad' ? 0.1 : 0);  // Keras' initial accumulator
      const s1Double = Float64Array.from(s1), s2 = new Float32Array(n), s2Double = new Float64Array(n);
      const s3 = new Float32Array(n), s3Double = new Float64Array(n);
      for (let step = 1; step <= 5; step++) {
        const g = values(n, step, 1.5);
        binding.optimizerUpdate(kinds[c.kind], hyperArray({ ...h, step }), p, g, ...states(c.kind, h, s1, s2, s3), n);
        stepDouble(c.kind, asFloat32({ ...h, step }), pDouble, g, s1Double, s2Double, s3Double);
      }
      // Tolerance: 1e-5 relative to 1 + |value| after five float32 steps.
      const close = (got: number, want: number) => Math.abs(got - want) <= 1e-5 * (1 + Math.abs(want));
      for (let i = 0; i < n; i++) {
        const ok = close(p[i], pDouble[i]) && close(s1[i], s1Double[i]) && close(s2[i], s2Double[i]) && close(s3[i], s3Double[i]);
        if (!ok) expect.fail(`${c.name} index ${i}: param ${p[i]} vs ${pDouble[i]}, states ${[s1[i], s2[i], s3[i]]} vs ${[s1Double[i], s2Double[i], s3Double[i]]}`);
      }
    }
    binding.setIsa(info.isa);
  });

  it('Adam takes a first step of about lr * sign(g), as bias correction intends', () => {
    binding.setIsa('scalar');
    const p = Float32Array.from([1, 1, 1]), m = new Float32Array(3), v = new Float32Array(3);
    binding.optimizerUpdate(kinds.adam, hyperArray({ ...defaults, learningRate: 0.1 }), p, Float32Array.from([3, -0.02, 0]), m, v, null, 3);
    expect(p[0]).toBeCloseTo(0.9, 6);
    expect(p[1]).toBeCloseTo(1.1, 5);
    expect(p[2]).toBe(1);
    binding.setIsa(info.isa);
  });

  it('Nadam follows its momentum schedule at early and late steps (closed form for a constant gradient)', () => {
    // One parameter, gradient 1 from step 1: m and v follow closed forms, so the step at t is known exactly.
    // Betas exact in float32 (1 - 2^-3, 1 - 2^-10), so only the kernel's own rounding is measured.
    binding.setIsa('scalar');
    const b1 = 0.875, b2 = 1 - 2 ** -10;
    const h = { ...defaults, learningRate: 1, beta1: b1, beta2: b2, epsilon: 0 };
    for (const t of [1, 2, 50, 880, 900, 5000]) {
      const m = Float32Array.of(1 - b1 ** (t - 1)), v = Float32Array.of(1 - b2 ** (t - 1)), p = Float32Array.of(0);
      binding.optimizerUpdate(kinds.nadam, hyperArray({ ...h, step: t }), p, Float32Array.of(1), m, v, null, 1);
      const product = nadamProduct(b1, t), next = nadamMomentum(b1, t + 1);
      // v / (1 - b2^t) is 1 for a constant unit gradient.
      const expected = -((next * (1 - b1 ** t)) / (1 - product * next) + (1 - nadamMomentum(b1, t)) / (1 - product));
      // Tolerance: a few float32 roundings (the state's, the factors', the step's).
      expect(Math.abs(p[0] - expected)).toBeLessThan(1e-6 * Math.abs(expected));
    }
    binding.setIsa(info.isa);
  });

  it('every ISA matches the scalar reference, bitwise the same on 1 or 2 threads', () => {
    // 100003 elements are split across 2 threads (whole blocks of 4096); smaller buffers run on one.
    const inputs = new Map<number, Float32Array[]>();
    for (const n of [0, 1, 15, 16, 17, 33, 100003]) {
      const s1 = values(n, 3, 0.5).map(Math.abs);
      // A mean gradient (centered rmsprop) well inside its root mean square; a vmax (amsgrad) above or below v.
      const meanGrad = s1.map((x, i) => 0.5 * Math.sqrt(x) * (i % 2 === 0 ? 1 : -1));
      inputs.set(n, [values(n, 1, 1), values(n, 2, 1), s1, values(n, 4, 0.5).map(Math.abs), values(n, 5, 0.5).map(Math.abs), meanGrad]);
    }
    for (const c of CASES) {
      for (const [n, [g, p0, s10, s20, vmax0, meanGrad0]] of inputs) {
        const h: Hyper = { ...defaults, ...c.hyper, step: 3 };
        const s30 = h.centered ? meanGrad0 : vmax0;
        const run = (isa: string) => {
          binding.setIsa(isa);
          const p = p0.slice(), s1 = s10.slice(), s2 = s20.slice(), s3 = s30.slice();
          binding.optimizerUpdate(kinds[c.kind], hyperArray(h), p, g, ...states(c.kind, h, s1, s2, s3), n);
          return { p, s1, s2, s3 };
        };
        binding.setNumThreads(1);
        const want = run('scalar');
        const oneThread = isas.map(run);
        binding.setNumThreads(2);
        const twoThreads = n > 50000 ? isas.map(run) : oneThread;
        isas.forEach((isa, k) => {
          for (const key of ['p', 's1', 's2', 's3'] as const) {
            const got = oneThread[k][key], again = twoThreads[k][key], expected = want[key];
            for (let i = 0; i < n; i++) {
              if (!Object.is(again[i], got[i])) {
                expect.fail(`${isa} ${c.name} n ${n} ${key}[${i}]: ${again[i]} on 2 threads, ${got[i]} on 1`);
              }
              // Tolerance: the SIMD paths fuse multiply-adds: 2e-6 relative to 1 + |value|.
              if (!(Math.abs(got[i] - expected[i]) <= 2e-6 * (1 + Math.abs(expected[i])))) {
                expect.fail(`${isa} ${c.name} n ${n} ${key}[${i}]: got ${got[i]}, want ${expected[i]}`);
              }
            }
          }
        });
      }
    }
    binding.setIsa(info.isa);
    binding.setNumThreads(info.threads);
  });
});
