// Knowledge distillation: errors, the loss against a hand computation, its gradient, and the distiller's training.
import { describe, expect, it } from 'vitest';
import * as dn from '../../lib/index.js';
import { ArgumentTypeError, ShapeError, ValueError } from '../../lib/errors.js';
import { gradcheck, randomTensor } from '../helpers/gradcheck.js';

function mlp(hidden: number, seed: number, outputActivation: 'softmax' | 'linear' = 'softmax'): dn.Sequential {
  return dn.sequential({ layers: [
    dn.layers.dense({ units: hidden, activation: 'relu', inputShape: [4], kernelInitializer: dn.initializers.glorotUniform({ seed }) }),
    dn.layers.dense({ units: 3, activation: outputActivation, kernelInitializer: dn.initializers.glorotUniform({ seed: seed + 1 }) }),
  ] });
}

const x = randomTensor([12, 4], { seed: 3 });
const labels = dn.tensor([0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2], [12], 'int32');

describe('distill: should throw', () => {
  it('rejects bad options, naming them', () => {
    const teacher = mlp(8, 1);
    const student = mlp(4, 5);
    expect(() => dn.distill(undefined as never)).toThrow(ArgumentTypeError);
    expect(() => dn.distill({ teacher: {} as never, student })).toThrow(/teacher must be a model/);
    expect(() => dn.distill({ teacher, student: teacher })).toThrow(ValueError);
    expect(() => dn.distill({ teacher, student, temperature: 0 })).toThrow(/temperature must be a number in \(0/);
    expect(() => dn.distill({ teacher, student, alpha: 1.5 })).toThrow(/alpha must be a number in \[0, 1\], got 1.5/);
    expect(() => dn.distill({ teacher, student, loss: (a: dn.Tensor) => a } as never)).toThrow(/loss must be a built-in loss/);
    expect(() => dn.distill({ teacher, student, temperatur: 2 } as never)).toThrow(/temperatur/);
  });

  it('rejects an unbuilt model, other class counts and a distiller compiled with a loss', () => {
    const unbuilt = dn.sequential({ layers: [dn.layers.dense({ units: 3 })] });
    expect(() => dn.distill({ teacher: unbuilt, student: mlp(4, 5) })).toThrow(/the teacher \(sequential_\d+\) is not built yet/);
    const twoClasses = dn.sequential({ layers: [dn.layers.dense({ units: 2, inputShape: [4] })] });
    expect(() => dn.distill({ teacher: mlp(8, 1), student: twoClasses })).toThrow(ShapeError);
    const oneClass = dn.sequential({ layers: [dn.layers.dense({ units: 1, inputShape: [4] })] });
    expect(() => dn.distill({ teacher: oneClass, student: mlp(4, 5) })).toThrow(/at least 2 classes/);
    const distiller = dn.distill({ teacher: mlp(8, 1), student: mlp(4, 5) });
    expect(() => distiller.compile({ optimizer: 'adam', loss: 'mse' } as never)).toThrow(/give the student's hard-label loss to dn.distill/);
  });

  it('distillationLoss rejects mismatched shapes', () => {
    expect(() => dn.distillationLoss(labels, dn.zeros([12, 3]), dn.zeros([12, 2]))).toThrow(ShapeError);
    expect(() => dn.distillationLoss(labels, dn.zeros([12]), dn.zeros([12]))).toThrow(ShapeError);
  });
});

describe('distillationLoss', () => {
  const student = [[1, -0.5, 0.2], [0.3, 0.8, -1.1]];
  const teacher = [[2.5, -1, 0.5], [-0.2, 1.7, -0.4]];
  const hardLabels = [0, 2];

  const softmaxRow = (row: number[], t: number): number[] => {
    const e = row.map((v) => Math.exp(v / t));
    const s = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / s);
  };

  it('equals the Keras formula computed by hand', () => {
    const t = 2.5;
    const alpha = 0.3;
    let hard = 0;
    let soft = 0;
    for (let r = 0; r < 2; r++) {
      hard -= Math.log(softmaxRow(student[r], 1)[hardLabels[r]]);
      const p = softmaxRow(teacher[r], t);
      const q = softmaxRow(student[r], t);
      for (let c = 0; c < 3; c++) soft += p[c] * Math.log(p[c] / q[c]);
    }
    const expected = alpha * (hard / 2) + (1 - alpha) * t * t * (soft / 2);
    const value = dn.distillationLoss(dn.tensor(hardLabels, [2], 'int32'), dn.tensor(student), dn.tensor(teacher), { temperature: t, alpha }).item();
    expect(value).toBeCloseTo(expected, 5);
    // alpha 1 is the hard loss alone; a student equal to its teacher has no distillation term.
    expect(dn.distillationLoss(dn.tensor(hardLabels, [2], 'int32'), dn.tensor(student), dn.tensor(teacher), { alpha: 1 }).item()).toBeCloseTo(hard / 2, 5);
    expect(dn.distillationLoss(dn.tensor(hardLabels, [2], 'int32'), dn.tensor(teacher), dn.tensor(teacher), { alpha: 0 }).item()).toBeCloseTo(0, 6);
    // Categorical cross-entropy on one-hot labels reads the logits too.
    const oneHot = dn.tensor([[1, 0, 0], [0, 0, 1]]);
    expect(dn.distillationLoss(oneHot, dn.tensor(student), dn.tensor(teacher), { temperature: t, alpha, loss: 'categoricalCrossentropy' }).item()).toBeCloseTo(expected, 5);
  });

  it('passes the finite-difference gradient check with respect to the student logits', () => {
    const teacherLogits = randomTensor([4, 5], { seed: 21 });
    const y = dn.tensor([1, 4, 0, 2], [4], 'int32');
    gradcheck((s) => dn.distillationLoss(y, s, teacherLogits, { temperature: 3, alpha: 0.2 }), [randomTensor([4, 5], { seed: 22 })]);
    gradcheck((s) => dn.distillationLoss(y, s, teacherLogits, { temperature: 0.7, alpha: 0.6 }), [randomTensor([4, 5], { seed: 23 })]);
  });
});

describe('Distiller', () => {
  it('trains the student only, with fit and evaluate, and saves as the student', async () => {
    const teacher = mlp(8, 1);
    const student = mlp(4, 5);
    const teacherBefore = teacher.getWeights().map((w) => w.dataSync().slice());
    const studentBefore = student.getWeights().map((w) => w.dataSync().slice());
    const distiller = dn.distill({ teacher, student, temperature: 2, alpha: 0.5 });
    expect(distiller.weights).toEqual(student.weights);
    distiller.compile({ optimizer: dn.optimizers.adam({ learningRate: 0.01 }), metrics: ['accuracy'] });
    const seen: string[] = [];
    const history = await distiller.fit(x, labels, {
      epochs: 2, batchSize: 4, verbose: 0, seed: 1, callbacks: { onEpochEnd: (epoch: number) => void seen.push(`epoch ${epoch}`) },
    });
    expect(seen).toEqual(['epoch 0', 'epoch 1']);
    expect(Object.keys(history.history).sort()).toEqual(['accuracy', 'loss']);
    teacher.getWeights().forEach((w, i) => expect(w.dataSync()).toEqual(teacherBefore[i]));
    expect(student.getWeights().some((w, i) => w.dataSync().some((v, j) => v !== studentBefore[i][j]))).toBe(true);
    // predict is the student's; evaluate reports the combined loss of the current weights.
    expect(distiller.predict(x).dataSync()).toEqual(student.predict(x).dataSync());
    const logitsLayer = dn.sequential({ layers: [dn.layers.dense({ units: 8, activation: 'relu', inputShape: [4] }), dn.layers.dense({ units: 3 })] });
    logitsLayer.setWeights(teacher.getWeights());
    const expectedLoss = dn.distillationLoss(labels, dn.tensor(logitsOf(student, x), [12, 3]), logitsLayer.predict(x), { temperature: 2, alpha: 0.5 }).item();
    const result = await distiller.evaluate(x, labels, { batchSize: 12 });
    expect(result.loss).toBeCloseTo(expectedLoss, 4);
    const buffer = await distiller.saveToBuffer();
    const loaded = await dn.loadModelFromBuffer(buffer);
    expect(loaded.predict(x).dataSync()).toEqual(student.predict(x).dataSync());
  });

  it('reads a teacher that outputs logits the same as one that ends in softmax', async () => {
    const softmaxTeacher = mlp(8, 1);
    const logitTeacher = mlp(8, 1, 'linear');
    logitTeacher.setWeights(softmaxTeacher.getWeights());
    const losses: number[] = [];
    for (const teacher of [softmaxTeacher, logitTeacher]) {
      const distiller = dn.distill({ teacher, student: mlp(4, 5), temperature: 4, alpha: 0.25 });
      distiller.compile({ optimizer: 'sgd' });
      losses.push((await distiller.evaluate(x, labels)).loss);
    }
    expect(losses[1]).toBeCloseTo(losses[0], 5);
  });

  it('with alpha 1 trains exactly as the student alone', async () => {
    const alone = mlp(4, 5);
    alone.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    await alone.fit(x, labels, { epochs: 2, batchSize: 4, verbose: 0, seed: 2 });
    const student = mlp(4, 5);
    const distiller = dn.distill({ teacher: mlp(8, 1), student, alpha: 1 });
    distiller.compile({ optimizer: 'sgd' });
    await distiller.fit(x, labels, { epochs: 2, batchSize: 4, verbose: 0, seed: 2 });
    student.getWeights().forEach((w, i) => {
      const a = w.dataSync();
      const b = alone.getWeights()[i].dataSync();
      for (let j = 0; j < a.length; j++) expect(a[j]).toBeCloseTo(b[j], 6);
    });
  });
});

/** A softmax model's logits: its output's log (equal up to a per-row constant, which softmax ignores). */
function logitsOf(model: dn.Sequential, input: dn.Tensor): Float32Array {
  return model.predict(input).clip(1e-7, 1).log().dataSync() as Float32Array;
}
