// Learning-rate schedules against their formulas (Keras keras.optimizers.schedules).
import { describe, expect, it } from 'vitest';
import { ArgumentTypeError, ValueError } from '../../lib/errors.js';
import { schedules } from '../../lib/optimizers/index.js';

const { exponentialDecay, piecewiseConstantDecay, cosineDecay, deserializeSchedule, serializeSchedule } = schedules;

describe('schedules: should throw', () => {
  it('rejects missing, unknown and bad options', () => {
    expect(() => exponentialDecay(undefined as never)).toThrow(ArgumentTypeError);
    expect(() => exponentialDecay({ initialLearningRate: 0.1, decaySteps: 10 } as never)).toThrow(/the option 'decayRate' is required/);
    expect(() => exponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.9, stairCase: true } as never)).toThrow(
      /unknown option 'stairCase' \(did you mean 'staircase'\?\)/,
    );
    expect(() => exponentialDecay({ initialLearningRate: 0.1, decaySteps: 0, decayRate: 0.9 })).toThrow(/decaySteps must be an integer from 1/);
    expect(() => exponentialDecay({ initialLearningRate: 0.1, decaySteps: 2.5, decayRate: 0.9 })).toThrow(ValueError);
    expect(() => exponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0 })).toThrow(/decayRate must be a number in \(0/);
    expect(() => exponentialDecay({ initialLearningRate: -1, decaySteps: 10, decayRate: 0.5 })).toThrow(ValueError);
    expect(() => piecewiseConstantDecay({ boundaries: [10, 5], values: [1, 2, 3] })).toThrow(/boundaries\[1\] must be greater than boundaries\[0\]/);
    expect(() => piecewiseConstantDecay({ boundaries: [10], values: [1] })).toThrow(/values must have one more entry than boundaries/);
    expect(() => piecewiseConstantDecay({ boundaries: 10 as never, values: [1, 2] })).toThrow(ArgumentTypeError);
    expect(() => cosineDecay({ initialLearningRate: 0.1, decaySteps: 100, alpha: 2 })).toThrow(/alpha must be a number in \[0, 1\]/);
    expect(() => cosineDecay({ initialLearningRate: 0.1, decaySteps: 100, warmupSteps: 10 })).toThrow(/needs a warmupTarget/);
    expect(() => cosineDecay({ initialLearningRate: 0.1, decaySteps: 100, warmupSteps: 1.5, warmupTarget: 1 })).toThrow(ValueError);
  });

  it('rejects a bad step and an unknown schedule class', () => {
    const schedule = exponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5 });
    expect(() => schedule.valueAt(-1)).toThrow(/step must be a non-negative integer/);
    expect(() => schedule.valueAt(1.5)).toThrow(ValueError);
    expect(() => schedule.valueAt('1' as never)).toThrow(ArgumentTypeError);
    expect(() => deserializeSchedule({ className: 'CosineDecy', config: {} })).toThrow(/unknown schedule 'CosineDecy' \(did you mean 'CosineDecay'\?\)/);
  });
});

describe('schedules: formulas', () => {
  it('exponentialDecay: lr0 * rate^(step / decaySteps), floored with staircase', () => {
    const smooth = exponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5 });
    const stairs = exponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5, staircase: true });
    for (const step of [0, 1, 5, 9, 10, 15, 20, 1000]) {
      expect(smooth.valueAt(step)).toBeCloseTo(0.1 * 0.5 ** (step / 10), 15);
      expect(stairs.valueAt(step)).toBeCloseTo(0.1 * 0.5 ** Math.floor(step / 10), 15);
    }
    expect(stairs.valueAt(9)).toBe(0.1);
    expect(stairs.valueAt(10)).toBe(0.05);
  });

  it('piecewiseConstantDecay: values[i] on (boundaries[i-1], boundaries[i]]', () => {
    const schedule = piecewiseConstantDecay({ boundaries: [100, 200], values: [1, 0.5, 0.1] });
    const expected: Array<[number, number]> = [[0, 1], [100, 1], [101, 0.5], [200, 0.5], [201, 0.1], [10_000, 0.1]];
    for (const [step, rate] of expected) expect(schedule.valueAt(step)).toBe(rate);
  });

  it('cosineDecay: half a cosine from lr0 to alpha * lr0, then flat', () => {
    const schedule = cosineDecay({ initialLearningRate: 0.2, decaySteps: 100, alpha: 0.1 });
    const formula = (step: number) => 0.2 * (0.9 * 0.5 * (1 + Math.cos((Math.PI * Math.min(step, 100)) / 100)) + 0.1);
    for (const step of [0, 1, 25, 50, 99, 100, 500]) expect(schedule.valueAt(step)).toBeCloseTo(formula(step), 15);
    expect(schedule.valueAt(0)).toBeCloseTo(0.2, 15);
    expect(schedule.valueAt(50)).toBeCloseTo(0.2 * 0.55, 15);
    expect(schedule.valueAt(100)).toBeCloseTo(0.02, 15);
  });

  it('cosineDecay with warmup: linear from lr0 to warmupTarget, then the cosine from warmupTarget', () => {
    const schedule = cosineDecay({ initialLearningRate: 0, decaySteps: 10, warmupSteps: 5, warmupTarget: 1 });
    expect([0, 1, 4].map((s) => schedule.valueAt(s))).toEqual([0, 0.2, 0.8]);
    expect(schedule.valueAt(5)).toBe(1);
    expect(schedule.valueAt(10)).toBeCloseTo(0.5, 15);
    expect(schedule.valueAt(15)).toBeCloseTo(0, 15);
  });

  it('round-trips through serialize/deserialize', () => {
    for (const schedule of [
      exponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5, staircase: true }),
      piecewiseConstantDecay({ boundaries: [1, 2], values: [3, 2, 1] }),
      cosineDecay({ initialLearningRate: 0.1, decaySteps: 10 }),
      cosineDecay({ initialLearningRate: 0.1, decaySteps: 10, warmupSteps: 3, warmupTarget: 0.5 }),
    ]) {
      const rebuilt = deserializeSchedule(JSON.parse(JSON.stringify(serializeSchedule(schedule))));
      expect(rebuilt.className).toBe(schedule.className);
      expect(rebuilt.getConfig()).toEqual(schedule.getConfig());
      for (const step of [0, 1, 2, 7, 30]) expect(rebuilt.valueAt(step)).toBe(schedule.valueAt(step));
    }
  });
});
