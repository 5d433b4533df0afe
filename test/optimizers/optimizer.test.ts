// The optimizer base: flat buffer, one native call per step, gradients, clipping, weight decay,
// schedules inside the optimizer, state get/set and exact resumption, lookup by name.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ArgumentTypeError, SerializationError, ShapeError, ValueError } from '../../lib/errors.js';
import { binding } from '../../lib/native.js';
import { tensor } from '../../lib/tensor.js';
import {
  adadelta, adam, adamax, adamw, adagrad, deserializeOptimizer, getOptimizer, nadam, Optimizer, rmsprop, schedules, serializeOptimizer, sgd,
  OPTIMIZER_NAMES,
} from '../../lib/optimizers/index.js';
import { expectClose, quadraticLoss, runSteps, variable } from './helpers.js';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('optimizers: should throw', () => {
  it('rejects unknown options with a suggestion and the known names', () => {
    expect(() => adam({ learningrate: 0.1 } as never)).toThrow(ValueError);
    expect(() => adam({ learningrate: 0.1 } as never)).toThrow(/adam: unknown option 'learningrate' \(did you mean 'learningRate'\?\); known options: learningRate, weightDecay/);
    expect(() => sgd({ nesterow: true } as never)).toThrow(/did you mean 'nesterov'/);
    expect(() => adam({ ams_grad: true } as never)).toThrow(/unknown option 'ams_grad' \(did you mean 'amsgrad'\?\)/);
    expect(() => rmsprop({ centred: true } as never)).toThrow(/did you mean 'centered'/);
    expect(() => sgd({ amsgrad: true } as never)).toThrow(/sgd: unknown option 'amsgrad'/);
  });

  it('rejects bad hyperparameter types and ranges', () => {
    expect(() => sgd({ learningRate: '0.1' as never })).toThrow(ArgumentTypeError);
    expect(() => sgd({ learningRate: -0.1 })).toThrow(/learningRate must be a number in \[0, Infinity\], got -0.1/);
    expect(() => sgd({ learningRate: Number.NaN })).toThrow(ValueError);
    expect(() => sgd({ momentum: 1.5 })).toThrow(/momentum must be a number in \[0, 1\], got 1.5/);
    expect(() => sgd({ nesterov: 1 as never })).toThrow(ArgumentTypeError);
    expect(() => adam({ beta1: 1 })).toThrow(/beta1 must be a number in \[0, 1\), got 1/);
    expect(() => adam({ beta2: -0.1 })).toThrow(ValueError);
    expect(() => adam({ epsilon: -1e-7 })).toThrow(ValueError);
    expect(() => rmsprop({ rho: 1 })).toThrow(/rho must be a number in \[0, 1\)/);
    expect(() => adagrad({ initialAccumulatorValue: -1 })).toThrow(ValueError);
    expect(() => sgd({ weightDecay: -1 })).toThrow(/weightDecay/);
    expect(() => sgd({ clipNorm: 0 })).toThrow(/clipNorm must be a number in \(0, Infinity\]/);
    expect(() => sgd({ clipValue: -1 })).toThrow(ValueError);
    expect(() => sgd({ clipNorm: 1, globalClipNorm: 1 })).toThrow(/clipNorm \(per variable\) or globalClipNorm/);
    expect(() => sgd('fast' as never)).toThrow(ArgumentTypeError);
  });

  it('rejects a bad learning-rate setting and a schedule returning a bad rate', () => {
    const optimizer = sgd();
    expect(() => {
      optimizer.learningRate = 'high' as never;
    }).toThrow(ArgumentTypeError);
    expect(() => {
      optimizer.learningRate = -1;
    }).toThrow(ValueError);
    optimizer.learningRate = () => Number.NaN;
    optimizer.build([variable('w', [1])]);
    expect(() => optimizer.step()).toThrow(/the learning-rate schedule returned NaN at step 0/);
  });

  it('rejects bad variables', () => {
    const optimizer = sgd();
    expect(() => optimizer.build('w' as never)).toThrow(ArgumentTypeError);
    expect(() => optimizer.build([{ name: 'w', value: [1, 2], trainable: true } as never])).toThrow(/variables\[0\].value must be a Tensor/);
    expect(() => optimizer.build([{ name: 'w', value: tensor([1]) } as never])).toThrow(/variables\[0\].trainable must be a boolean/);
    expect(() => optimizer.build([{ name: 'w', value: tensor([1], { dtype: 'int32' }), trainable: true }])).toThrow(/float32/);
    const v = variable('w', [1]);
    expect(() => optimizer.build([v, v])).toThrow(/listed twice/);
    expect(() => optimizer.build([v, { name: 'alias', value: v.value, trainable: true }])).toThrow(/shares its tensor/);
  });

  it('refuses to step before build, and a value replaced by one of another shape', () => {
    expect(() => sgd().step()).toThrow(/no variables yet; call build\(variables\) first/);
    const optimizer = sgd();
    const v = variable('w', [1, 2]);
    optimizer.build([v]);
    v.value = tensor([1, 2, 3]);
    expect(() => optimizer.step()).toThrow(ShapeError);
    expect(() => optimizer.step()).toThrow(/variable 'w' changed shape from \[2\] to \[3\] since build\(\)/);
  });

  it('rejects state that does not match', () => {
    const optimizer = adam();
    optimizer.build([variable('w', [1, 2])]);
    expect(() => optimizer.setWeights('state' as never)).toThrow(ArgumentTypeError);
    expect(() => optimizer.setWeights([tensor(0, { dtype: 'int32' })])).toThrow(/expected 3 weights \(iteration, w\/m, w\/v\), got 1/);
    const good = optimizer.getWeights();
    expect(() => optimizer.setWeights([good[0], { name: 'w/v', tensor: good[1].tensor }, good[2]])).toThrow(/weights\[1\] is named "w\/v", expected 'w\/m'/);
    expect(() => optimizer.setWeights([good[0], tensor([1, 2, 3]), good[2].tensor])).toThrow(/'w\/m' has shape \[3\], expected \[2\]/);
    expect(() => optimizer.setWeights([tensor(1.5), good[1], good[2]])).toThrow(/iteration must be an integer/);
    expect(() => adam().setWeights([good[0], good[1], good[2]])).toThrow(/not built yet/);
  });

  it('names the valid optimizers for an unknown name', () => {
    expect(() => getOptimizer('adma')).toThrow(/unknown optimizer 'adma' \(did you mean 'adam'\?\); expected one of 'sgd', 'adam', 'adamw', 'rmsprop', 'adagrad', 'adamax', 'adadelta', 'nadam' or an optimizer object/);
    expect(() => getOptimizer('lion')).toThrow(ValueError);
    expect(() => getOptimizer(42 as never)).toThrow(ArgumentTypeError);
    expect(() => deserializeOptimizer({ className: 'Adamm', config: {} })).toThrow(/unknown optimizer class 'Adamm' \(did you mean 'Adam'\?\)/);
    expect(() => deserializeOptimizer({ className: 'Adam', config: { beta1: 2 } })).toThrow(/beta1/);
  });

  it('cannot serialize a learning rate given as a function', () => {
    expect(() => sgd({ learningRate: () => 0.1 }).getConfig()).toThrow(SerializationError);
  });
});

describe('optimizers: by name, with Keras defaults', () => {
  it('builds each name with its Keras defaults', () => {
    expect(OPTIMIZER_NAMES).toEqual(['sgd', 'adam', 'adamw', 'rmsprop', 'adagrad', 'adamax', 'adadelta', 'nadam']);
    expect(serializeOptimizer(getOptimizer('sgd'))).toEqual({
      className: 'SGD', config: { learningRate: 0.01, momentum: 0, nesterov: false, weightDecay: 0 },
    });
    expect(serializeOptimizer(getOptimizer('adam'))).toEqual({
      className: 'Adam', config: { learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, amsgrad: false, weightDecay: 0 },
    });
    expect(serializeOptimizer(getOptimizer('adamw'))).toEqual({
      className: 'AdamW', config: { learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, amsgrad: false, weightDecay: 0.004 },
    });
    expect(serializeOptimizer(getOptimizer('rmsprop'))).toEqual({
      className: 'RMSprop', config: { learningRate: 0.001, rho: 0.9, momentum: 0, epsilon: 1e-7, centered: false, weightDecay: 0 },
    });
    expect(serializeOptimizer(getOptimizer('adagrad'))).toEqual({
      className: 'Adagrad', config: { learningRate: 0.001, initialAccumulatorValue: 0.1, epsilon: 1e-7, weightDecay: 0 },
    });
    expect(serializeOptimizer(getOptimizer('adamax'))).toEqual({
      className: 'Adamax', config: { learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, weightDecay: 0 },
    });
    expect(serializeOptimizer(getOptimizer('adadelta'))).toEqual({
      className: 'Adadelta', config: { learningRate: 0.001, rho: 0.95, epsilon: 1e-7, weightDecay: 0 },
    });
    expect(serializeOptimizer(getOptimizer('nadam'))).toEqual({
      className: 'Nadam', config: { learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, weightDecay: 0 },
    });
    expect(getOptimizer('Adam').className).toBe('Adam');
    const object = adam();
    expect(getOptimizer(object)).toBe(object);
  });

  it('takes the learning rate alone in place of the options (as tf.train.adam(0.01))', () => {
    for (const factory of [sgd, adam, adamw, rmsprop, adagrad, adamax, adadelta, nadam]) {
      expect(factory(0.25).learningRate).toBe(0.25);
      const schedule = schedules.exponentialDecay({ initialLearningRate: 0.5, decaySteps: 10, decayRate: 0.5 });
      expect(serializeOptimizer(factory(schedule)).config.learningRate).toEqual(serializeOptimizer(factory({ learningRate: schedule })).config.learningRate);
      expect(factory((step: number) => 0.125 / (step + 1)).learningRate).toBe(0.125);
      expect(() => factory(-1)).toThrow(ValueError);
      expect(() => factory('fast' as never)).toThrow(ArgumentTypeError);
    }
  });

  it('round-trips through serialize/deserialize, schedules included', () => {
    const original = sgd({
      learningRate: schedules.exponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5, staircase: true }),
      momentum: 0.9, nesterov: true, clipNorm: 2, clipValue: 0.5, weightDecay: 1e-4,
    });
    const rebuilt = deserializeOptimizer(JSON.parse(JSON.stringify(serializeOptimizer(original))));
    expect(rebuilt).toBeInstanceOf(Optimizer);
    expect(rebuilt.getConfig()).toEqual(original.getConfig());
    expect(rebuilt.learningRateSchedule).toBeInstanceOf(schedules.ExponentialDecay);
    const viaGet = getOptimizer({ className: 'RMSprop', config: { learningRate: 0.5, momentum: 0.5 } });
    expect(viaGet.getConfig()).toMatchObject({ learningRate: 0.5, momentum: 0.5, rho: 0.9 });
  });
});

describe('optimizers: the flat parameter buffer', () => {
  it('re-homes every trainable variable into one buffer, leaves frozen ones alone', () => {
    const a = variable('a', [1, 2, 3, 4, 5, 6], [2, 3]);
    const b = variable('b', [7, 8]);
    const frozen = variable('frozen', [9], [1], false);
    const frozenTensor = frozen.value;
    const optimizer = adam();
    optimizer.build([a, frozen, b]);
    expect(a.value.storage.buffer).toBe(b.value.storage.buffer);
    expect(b.value.storage.byteOffset - a.value.storage.byteOffset).toBe(6 * 4);
    expect(a.value.shape).toEqual([2, 3]);
    expect(Array.from(a.value.dataSync())).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Array.from(b.value.dataSync())).toEqual([7, 8]);
    expect(a.value.requiresGrad).toBe(true);
    expect(frozen.value).toBe(frozenTensor);
    expect(optimizer.variables).toEqual([a, b]);
    // The attached gradients view one flat gradient buffer too.
    expect(a.value.grad!.storage.buffer).toBe(b.value.grad!.storage.buffer);
  });

  it('updates all parameters with ONE native call per step, and zeroes the gradients', () => {
    const vars = [variable('a', [1, 2]), variable('b', [3]), variable('c', [4, 5, 6])];
    const optimizer = sgd({ learningRate: 0.5 });
    optimizer.build(vars);
    const spy = vi.spyOn(binding, 'optimizerUpdate');
    vars[0].value.grad = tensor([1, 1]);
    vars[2].value.grad = tensor([2, 2, 2]);
    // b has no gradient: it counts as zeros.
    vars[1].value.grad = null;
    optimizer.step();
    expect(spy).toHaveBeenCalledTimes(1);
    expect(spy.mock.calls[0][7]).toBe(6);
    expect(Array.from(vars[0].value.dataSync())).toEqual([0.5, 1.5]);
    expect(Array.from(vars[1].value.dataSync())).toEqual([3]);
    expect(Array.from(vars[2].value.dataSync())).toEqual([3, 4, 5]);
    for (const v of vars) expect(Array.from(v.value.grad!.dataSync()).every((x) => x === 0)).toBe(true);
    expect(optimizer.iterations).toBe(1);
  });

  it('lets backward() accumulate straight into the flat gradient buffer', () => {
    const w = variable('w', [1, 2, 3]);
    const optimizer = sgd({ learningRate: 0.25 });
    optimizer.build([w]);
    const attached = w.value.grad;
    quadraticLoss(w.value, tensor([0, 0, 0])).backward();
    expect(w.value.grad).toBe(attached);
    expect(Array.from(w.value.grad!.dataSync())).toEqual([2, 4, 6]);
    optimizer.step();
    // p - 0.25 * 2p = p / 2
    expect(Array.from(w.value.dataSync())).toEqual([0.5, 1, 1.5]);
    // After the step the gradient is zero and marked so; backward writes into it, a second one adds.
    expect(w.value.grad).toBe(attached);
    expect(Array.from(attached!.dataSync())).toEqual([0, 0, 0]);
    quadraticLoss(w.value, tensor([0, 0, 0])).backward();
    expect(Array.from(attached!.dataSync())).toEqual([1, 2, 3]);
    quadraticLoss(w.value, tensor([0, 0, 0])).backward();
    expect(Array.from(attached!.dataSync())).toEqual([2, 4, 6]);
    optimizer.zeroGrad();
    expect(Array.from(attached!.dataSync())).toEqual([0, 0, 0]);
  });

  it('picks up a value replaced after build (setWeights, reload) and keeps training it', () => {
    const w = variable('w', [1, 2]);
    const optimizer = sgd({ learningRate: 1 });
    optimizer.build([w]);
    w.value = tensor([10, 20]);
    w.value.grad = tensor([1, 1]);
    optimizer.step();
    expect(Array.from(w.value.dataSync())).toEqual([9, 19]);
    expect(w.value.storage.buffer).toBe(optimizer.variables[0].value.storage.buffer);
    w.value = tensor([1, 2, 3]);
    expect(() => optimizer.step()).toThrow(/changed shape from \[2\] to \[3\]/);
  });

  it('rebuilds when the trainable set changes, keeping the state of known variables', () => {
    const a = variable('a', [1]);
    const b = variable('b', [2]);
    const optimizer = adam({ learningRate: 0.1 });
    optimizer.build([a, b]);
    a.value.grad = tensor([1]);
    b.value.grad = tensor([1]);
    optimizer.step();
    const mOfA = optimizer.getWeights()[1].tensor.item();
    expect(mOfA).toBeCloseTo(0.1, 6);
    b.trainable = false;
    const bValue = b.value.item();
    a.value.grad = tensor([1]);
    optimizer.step([a, b]);
    expect(optimizer.variables).toEqual([a]);
    expect(optimizer.getWeights().map((w) => w.name)).toEqual(['iteration', 'a/m', 'a/v']);
    // m carried over: 0.9 * 0.1 + 0.1 * 1
    expect(optimizer.getWeights()[1].tensor.item()).toBeCloseTo(0.19, 6);
    expect(b.value.item()).toBe(bValue);
    expect(optimizer.iterations).toBe(2);
  });

  it('minimises a quadratic written with raw ops, for every optimizer', () => {
    const target = tensor([0.5, -1, 3, 0]);
    const cases: Array<[string, Optimizer, number]> = [
      ['sgd', sgd({ learningRate: 0.1 }), 200],
      ['sgd+nesterov', sgd({ learningRate: 0.05, momentum: 0.9, nesterov: true }), 300],
      ['adam', adam({ learningRate: 0.05 }), 600],
      ['adamw (tiny decay)', getOptimizer({ className: 'AdamW', config: { learningRate: 0.05, weightDecay: 1e-6 } }), 600],
      ['rmsprop', rmsprop({ learningRate: 0.01 }), 600],
      ['adagrad', adagrad({ learningRate: 0.5 }), 600],
    ];
    for (const [name, optimizer, steps] of cases) {
      const w = variable('w', [2, 2, -2, 1]);
      optimizer.build([w]);
      const first = quadraticLoss(w.value, target).item();
      for (let i = 0; i < steps; i++) {
        quadraticLoss(w.value, target).backward();
        optimizer.step();
      }
      const last = quadraticLoss(w.value, target).item();
      // Each starts at loss 37.25; all must get within 1e-3 of the minimum 0.
      expect(first, name).toBeCloseTo(37.25, 4);
      expect(last, name).toBeLessThan(1e-3);
    }
  });
});

describe('optimizers: clipping and weight decay (SGD with learning rate 1: p_new = p - g_effective)', () => {
  it('clipNorm rescales each variable to the limit separately', () => {
    const a = variable('a', [0, 0]);
    const b = variable('b', [0, 0]);
    const optimizer = sgd({ learningRate: 1, clipNorm: 1 });
    optimizer.build([a, b]);
    a.value.grad = tensor([3, 4]); // norm 5 -> scaled to [0.6, 0.8]
    b.value.grad = tensor([0.3, 0.4]); // norm 0.5 -> untouched
    optimizer.step();
    expectClose(a.value.dataSync(), [-0.6, -0.8], 1e-7);
    expectClose(b.value.dataSync(), [-0.3, -0.4], 1e-7);
  });

  it('globalClipNorm rescales all gradients by one factor', () => {
    const a = variable('a', [0, 0]);
    const b = variable('b', [0]);
    const optimizer = sgd({ learningRate: 1, globalClipNorm: 6.5 });
    optimizer.build([a, b]);
    a.value.grad = tensor([3, 4]);
    b.value.grad = tensor([12]); // global norm 13 -> factor 0.5
    optimizer.step();
    expectClose(a.value.dataSync(), [-1.5, -2], 1e-7);
    expectClose(b.value.dataSync(), [-6], 1e-7);
  });

  it('clipValue clamps each element', () => {
    expectClose(runSteps(sgd({ learningRate: 1, clipValue: 0.5 }), [0, 0, 0], [[2, -3, 0.25]])[0], [-0.5, 0.5, -0.25], 1e-7);
  });

  it('weightDecay is decoupled: p -= lr * wd * p, then the rule', () => {
    // p = 2, g = 1, lr = 0.1, wd = 0.5: 2 - 0.1*0.5*2 - 0.1*1 = 1.8
    expectClose(runSteps(sgd({ learningRate: 0.1, weightDecay: 0.5 }), [2], [[1]])[0], [1.8], 1e-6);
  });
});

describe('optimizers: learning rate and schedules inside the optimizer', () => {
  it('uses the schedule at the iteration count (0 first), and reports the next rate', () => {
    const schedule = schedules.exponentialDecay({ initialLearningRate: 1, decaySteps: 1, decayRate: 0.5 });
    const optimizer = sgd({ learningRate: schedule });
    expect(optimizer.learningRate).toBe(1);
    const steps = runSteps(optimizer, [0], [[1], [1], [1]]);
    // Steps of 1, 0.5, 0.25.
    expectClose(steps.map((s) => s[0]), [-1, -1.5, -1.75], 1e-7);
    expect(optimizer.learningRate).toBe(0.125);
  });

  it('accepts a function of the step and a new rate set mid-training', () => {
    const optimizer = sgd({ learningRate: (step) => (step + 1) / 10 });
    const w = variable('w', [0]);
    optimizer.build([w]);
    w.value.grad = tensor([1]);
    optimizer.step(); // 0.1
    w.value.grad = tensor([1]);
    optimizer.step(); // 0.2
    optimizer.learningRate = 1;
    expect(optimizer.learningRateSchedule).toBeNull();
    w.value.grad = tensor([1]);
    optimizer.step(); // 1
    expectClose(w.value.dataSync(), [-1.3], 1e-6);
  });
});

describe('optimizers: getWeights/setWeights resume training exactly', () => {
  for (const make of [() => adam({ learningRate: 0.05 }), () => sgd({ learningRate: 0.05, momentum: 0.9 }), () => rmsprop({ momentum: 0.5 }), () => adagrad()]) {
    it(`${make().className}: a restored optimizer continues bit for bit`, () => {
      const target = tensor([1, -2, 3]);
      const first = make();
      const w = variable('w', [0, 0, 0]);
      first.build([w]);
      const train = (opt: Optimizer, v: typeof w, steps: number) => {
        for (let i = 0; i < steps; i++) {
          quadraticLoss(v.value, target).backward();
          opt.step();
        }
      };
      train(first, w, 5);
      const saved = first.getWeights();
      const savedParams = Array.from(w.value.dataSync());
      train(first, w, 5);

      const second = make();
      const w2 = variable('w', savedParams);
      second.build([w2]);
      second.setWeights(saved);
      expect(second.iterations).toBe(5);
      train(second, w2, 5);
      expect(Array.from(w2.value.dataSync())).toEqual(Array.from(w.value.dataSync()));
      expect(second.getWeights().map((x) => Array.from(x.tensor.dataSync()))).toEqual(first.getWeights().map((x) => Array.from(x.tensor.dataSync())));
    });
  }

  it('returns copies, named per variable and slot', () => {
    const optimizer = adam();
    const w = variable('dense_1/kernel', [1, 2, 3, 4], [2, 2]);
    optimizer.build([w]);
    w.value.grad = tensor([1, 1, 1, 1], [2, 2]);
    optimizer.step();
    const weights = optimizer.getWeights();
    expect(weights.map((x) => x.name)).toEqual(['iteration', 'dense_1/kernel/m', 'dense_1/kernel/v']);
    expect(weights[0].tensor.dtype).toBe('int32');
    expect(weights[0].tensor.item()).toBe(1);
    expect(weights[1].tensor.shape).toEqual([2, 2]);
    const before = Array.from(weights[1].tensor.dataSync());
    w.value.grad = tensor([5, 5, 5, 5], [2, 2]);
    optimizer.step();
    expect(Array.from(weights[1].tensor.dataSync())).toEqual(before);
  });
});
