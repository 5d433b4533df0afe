import { describe, expect, it } from 'vitest';
import * as dn from '../../lib/index.js';
import { gradcheck } from '../helpers/gradcheck.js';
import { bruteForceCtc } from '../helpers/ctc-alignments.js';
import { binding } from '../../lib/native.js';

function logits(shape: number[], seed: number, requiresGrad = false): dn.Tensor {
  return dn.randn(shape, { seed, std: 1.5, requiresGrad });
}

function close(got: number, want: number, tolerance = 1e-4): void {
  expect(Math.abs(got - want)).toBeLessThanOrEqual(tolerance * (1 + Math.abs(want)));
}

describe('ctcLoss', () => {
  // Tiny cases enumerated alignment by alignment: repeats (which need a blank between), an empty
  // labelling, a shorter input length, another blank index.
  const cases = [
    { labels: [1, 1, 2], steps: 5, blank: 0 },
    { labels: [2], steps: 4, blank: 0 },
    { labels: [], steps: 3, blank: 0 },
    { labels: [0, 1], steps: 5, blank: 3 },
    { labels: [2, 1, 2], steps: 5, blank: 0 },
  ];

  it('gives the loss and gradient of every alignment summed (brute force)', () => {
    const time = 5;
    const classes = 4;
    const x = logits([cases.length, time, classes], 3, true);
    const values = x.dataSync();
    for (const [b, c] of cases.entries()) {
      const single = dn.tensor(values.slice(b * time * classes, (b + 1) * time * classes), [1, time, classes]);
      single.requiresGrad = true;
      const loss = dn.ctcLoss(single, [c.labels], { inputLengths: [c.steps], blank: c.blank, reduction: 'sum' });
      loss.backward();
      const want = bruteForceCtc(single.dataSync(), time, c.steps, classes, c.labels, c.blank);
      close(loss.item(), want.loss);
      const grad = single.grad!.dataSync();
      for (let i = 0; i < grad.length; i++) close(grad[i], want.grad[i], 2e-5);
    }
  });

  it("reduces as PyTorch: 'none' per sequence, 'sum', and 'mean' over label lengths then the batch", () => {
    const x = logits([3, 6, 5], 5);
    const labels = [[1, 2], [3], [4, 4, 1]];
    const none = dn.ctcLoss(x, labels, { reduction: 'none' });
    expect(none.shape).toEqual([3]);
    expect(dn.ctcLoss(x, labels).shape).toEqual([]);
    const per = none.dataSync();
    for (let b = 0; b < 3; b++) {
      const want = bruteForceCtc(x.dataSync().subarray(b * 30, (b + 1) * 30), 6, 6, 5, labels[b], 0).loss;
      close(per[b], want);
    }
    close(dn.ctcLoss(x, labels, { reduction: 'sum' }).item(), per[0] + per[1] + per[2]);
    close(dn.ctcLoss(x, labels).item(), (per[0] / 2 + per[1] / 1 + per[2] / 3) / 3);
  });

  it('passes a finite-difference gradient check for every reduction', () => {
    const labels = [[1, 2, 1], [2]];
    for (const reduction of ['mean', 'sum', 'none'] as const) {
      gradcheck((x: dn.Tensor) => dn.ctcLoss(x, labels, { inputLengths: [6, 4], reduction }), [logits([2, 6, 3], 7)]);
    }
  });

  it('takes padded int32 label tensors: trailing blanks or -1 are padding, or explicit labelLengths', () => {
    const x = logits([2, 7, 4], 9);
    const ragged = dn.ctcLoss(x, [[1, 2, 3], [2]], { reduction: 'none' }).dataSync();
    const padded = dn.tensor([[1, 2, 3], [2, 0, 0]], undefined, 'int32');
    expect(dn.ctcLoss(x, padded, { reduction: 'none' }).dataSync()).toEqual(ragged);
    expect(dn.ctcLoss(x, dn.tensor([[1, 2, 3], [2, -1, -1]], undefined, 'int32'), { reduction: 'none' }).dataSync()).toEqual(ragged);
    const lengths = dn.ctcLoss(x, dn.tensor([[1, 2, 3], [2, 3, 3]], undefined, 'int32'), { labelLengths: [3, 1], reduction: 'none' });
    expect(lengths.dataSync()).toEqual(ragged);
  });

  it('costs Infinity for a labelling too long for its input, or 0 with zeroInfinity', () => {
    // [1, 1] needs 3 steps (1, blank, 1); [1, 2] fits in 2.
    const x = logits([2, 2, 3], 11, true);
    const none = dn.ctcLoss(x, [[1, 1], [1, 2]], { reduction: 'none' }).dataSync();
    expect(none[0]).toBe(Infinity);
    expect(Number.isFinite(none[1])).toBe(true);
    const zeroed = dn.ctcLoss(x, [[1, 1], [1, 2]], { zeroInfinity: true, reduction: 'sum' });
    close(zeroed.item(), none[1]);
    zeroed.backward();
    const grad = x.grad!.dataSync();
    for (let i = 0; i < 6; i++) expect(grad[i]).toBe(0);
    expect(grad.slice(6).some((g) => g !== 0)).toBe(true);
  });

  it('gives the same bits for every thread count', () => {
    const x = logits([9, 40, 6], 13, true);
    const labels = Array.from({ length: 9 }, (_, b) => Array.from({ length: 3 + b }, (_, i) => 1 + ((b + i * 3) % 5)));
    const run = (threads: number): [Float32Array, Float32Array] => {
      dn.setNumThreads(threads);
      x.grad = null;
      const loss = dn.ctcLoss(x, labels, { reduction: 'none' });
      loss.sum().backward();
      return [loss.dataSync() as Float32Array, x.grad!.dataSync() as Float32Array];
    };
    const threads = dn.backendInfo().threads;
    try {
      const [loss1, grad1] = run(1);
      const [loss3, grad3] = run(3);
      expect(loss3).toEqual(loss1);
      expect(grad3).toEqual(grad1);
    } finally {
      dn.setNumThreads(threads);
    }
  });

  it('rejects bad arguments with typed errors naming them', () => {
    const x = logits([2, 4, 3], 1);
    expect(() => dn.ctcLoss(x, [[1, 0], [2]])).toThrow(dn.ValueError);
    expect(() => dn.ctcLoss(x, [[1, 0], [2]])).toThrow(/labels\[0\]\[1\] must be a class index in \[0, 3\) other than the blank \(0\), got 0/);
    expect(() => dn.ctcLoss(x, [[1], [3]])).toThrow(/labels\[1\]\[0\]/);
    expect(() => dn.ctcLoss(x, [[1], [1.5]])).toThrow(/labels\[1\]\[0\]/);
    expect(() => dn.ctcLoss(x, dn.tensor([[1, 0, 2], [1, 2, 2]], undefined, 'int32'))).toThrow(/padding.*may only follow the labels/);
    expect(() => dn.ctcLoss(x, [[1]])).toThrow(dn.ShapeError);
    expect(() => dn.ctcLoss(x, [[1], [2]], { inputLengths: [4, 5] })).toThrow(/inputLengths\[1\]/);
    expect(() => dn.ctcLoss(x, [[1], [2]], { inputLengths: [4] })).toThrow(/inputLengths must hold 2 lengths/);
    expect(() => dn.ctcLoss(x, [[1], [2]], { labelLengths: [1, 2] })).toThrow(/labelLengths\[1\]/);
    expect(() => dn.ctcLoss(x, [[1], [2]], { blank: 3 })).toThrow(/blank/);
    expect(() => dn.ctcLoss(x, [[1], [2]], { reduction: 'avg' as never })).toThrow(/reduction/);
    expect(() => dn.ctcLoss(x, [[1], [2]], { beam: 3 } as never)).toThrow(/beam/);
    expect(() => dn.ctcLoss(dn.zeros([2, 4]), [[1], [2]])).toThrow(/logits must have shape \[batch, time, classes\]/);
    expect(() => dn.ctcLoss(x, 'ab' as never)).toThrow(/labels/);
  });
});

describe('losses.ctc (compile)', () => {
  it('is the per-sequence loss averaged over the batch, with yTrue padded by the blank', () => {
    const x = logits([2, 6, 4], 17);
    const yTrue = dn.tensor([[1, 2, 3], [3, 0, 0]], undefined, 'int32');
    const per = dn.ctcLoss(x, [[1, 2, 3], [3]], { reduction: 'none' }).dataSync();
    close(dn.losses.ctc(yTrue, x).item(), (per[0] + per[1]) / 2);
    close(dn.losses.get('CTC', { reduction: 'sum' }).call(yTrue, x).item(), per[0] + per[1]);
    gradcheck((p: dn.Tensor) => dn.losses.ctc(yTrue, p), [x]);
    expect(() => dn.losses.ctc(dn.tensor([[1, 2]], undefined, 'int32'), x)).toThrow(/yTrue must hold padded label sequences of shape \[2, maxLabelLength\]/);
  });

  it('trains a model through compile and fit, and saves its name and options', async () => {
    // Each sequence's label is the class whose input feature is on, with steps of "nothing" around it.
    const samples = 16;
    const time = 6;
    const x = new Float32Array(samples * time * 3);
    const y = new Int32Array(samples * 2);
    for (let s = 0; s < samples; s++) {
      const a = 1 + (s % 2);
      const b = 1 + ((s >> 1) % 2);
      y.set([a, b], s * 2);
      for (let t = 0; t < time; t++) x[(s * time + t) * 3 + (t < 2 ? a : t >= 3 && t < 5 ? b : 0)] = 1;
    }
    dn.seed(3);
    const model = dn.sequential({ layers: [dn.layers.dense({ inputShape: [time, 3], units: 3, activation: 'softmax' })] });
    model.compile({ optimizer: dn.optimizers.adam(0.1), loss: 'ctc' });
    const history = await model.fit(dn.tensor(x, [samples, time, 3]), dn.tensor(y, [samples, 2], 'int32'), { epochs: 30, batchSize: 8, verbose: 0 });
    const losses = history.history.loss as number[];
    expect(losses[losses.length - 1]).toBeLessThan(losses[0] / 3);
    expect(dn.losses.getLoss('CTC')).toBeInstanceOf(dn.losses.CTC);
    const saved = dn.losses.serializeLoss(new dn.losses.CTC({ blank: 2, zeroInfinity: true }));
    expect(saved).toEqual({ className: 'CTC', config: { reduction: 'mean', blank: 2, zeroInfinity: true } });
    expect((dn.losses.getLoss(saved!) as dn.losses.CTC).blank).toBe(2);
  });
});

describe('binding.ctcLoss (raw)', () => {
  it('refuses short buffers, bad lengths and bad labels with typed errors, writing nothing', () => {
    const logits = new Float32Array(2 * 4 * 3);
    const loss = new Float32Array(2).fill(42);
    const ok = { labels: new Int32Array([1, 2, 2, 1]), input: new Int32Array([4, 4]), label: new Int32Array([2, 2]) };
    const call = (o: Partial<typeof ok> & { logits?: Float32Array; grad?: Float32Array | null; blank?: number; time?: number }): void =>
      binding.ctcLoss(o.logits ?? logits, o.labels ?? ok.labels, o.input ?? ok.input, o.label ?? ok.label, 2, o.time ?? 4, 3, 2, o.blank ?? 0, false, loss, o.grad ?? null, null);
    const bad = [
      () => call({ logits: new Float32Array(5) }),
      () => call({ grad: new Float32Array(5) }),
      () => call({ labels: new Int32Array([1, 0, 2, 1]) }),
      () => call({ labels: new Int32Array([1, 7, 2, 1]) }),
      () => call({ input: new Int32Array([5, 4]) }),
      () => call({ input: new Int32Array([4, -1]) }),
      () => call({ label: new Int32Array([3, 2]) }),
      () => call({ blank: 3 }),
      () => call({ input: new Int32Array([4]) }),
      () => call({ time: -1 }),
    ];
    for (const f of bad) expect(f).toThrow(dn.DendriteError);
    expect([...loss]).toEqual([42, 42]);
    call({});
    expect(loss.every(Number.isFinite)).toBe(true);
  });
});
