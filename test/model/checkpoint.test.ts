// dn.callbacks.modelCheckpoint: option checks, filepath placeholders, saving every epoch, every N
// batches, only the best (min and max modes), and with the optimizer state.
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as dn from '../../lib/index.js';
import { ArgumentTypeError, ValueError } from '../../lib/errors.js';

const scratch = mkdtempSync(join(tmpdir(), 'dendrite-checkpoint-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
let folders = 0;
const folder = (name: string) => join(scratch, `${name}-${++folders}`);

function linearModel(): dn.Sequential {
  const model = dn.sequential({ layers: [dn.layers.dense({ units: 1, inputShape: [1], kernelInitializer: 'zeros' })] });
  model.compile({ optimizer: dn.optimizers.sgd({ learningRate: 0.01 }), loss: 'mse', metrics: ['mae'] });
  return model;
}
const x = dn.tensor([[1], [2], [3], [4], [5], [6], [7], [8]]);
const y = dn.tensor([[2], [4], [6], [8], [10], [12], [14], [16]]);

const kernelOf = (model: dn.Model) => model.getWeights()[0].dataSync()[0];

describe('modelCheckpoint: should throw', () => {
  it('validates its options', () => {
    expect(() => dn.callbacks.modelCheckpoint(undefined as never)).toThrow(/options are required/);
    expect(() => dn.callbacks.modelCheckpoint({} as never)).toThrow(/filepath is required/);
    expect(() => dn.callbacks.modelCheckpoint({ filepath: 3 as never })).toThrow(ArgumentTypeError);
    expect(() => dn.callbacks.modelCheckpoint({ filepath: '' })).toThrow(ValueError);
    expect(() => dn.callbacks.modelCheckpoint({ filepath: 'a', saveBestonly: true } as never)).toThrow(/unknown option 'saveBestonly' \(did you mean 'saveBestOnly'\?\)/);
    expect(() => dn.callbacks.modelCheckpoint({ filepath: 'a', mode: 'lowest' as never })).toThrow(/unknown mode 'lowest'/);
    expect(() => dn.callbacks.modelCheckpoint({ filepath: 'a', saveFreq: 0 })).toThrow(/saveFreq must be an integer from 1/);
    expect(() => dn.callbacks.modelCheckpoint({ filepath: 'a', saveFreq: 'batch' as never })).toThrow(/unknown saveFreq 'batch'.*'epoch'/);
    expect(() => dn.callbacks.modelCheckpoint({ filepath: 'a', includeOptimizer: 1 as never })).toThrow(ArgumentTypeError);
    expect(() => dn.callbacks.modelCheckpoint({ filepath: 'a', initialValueThreshold: Number.NaN })).toThrow(ValueError);
  });

  it('rejects malformed filepath templates when created', () => {
    expect(() => dn.callbacks.modelCheckpoint({ filepath: 'ckpt-{epoch' })).toThrow(/unmatched '\{' at position 5; write '\{\{' for a literal brace/);
    expect(() => dn.callbacks.modelCheckpoint({ filepath: 'ckpt-epoch}' })).toThrow(/unmatched '\}' at position 10/);
    expect(() => dn.callbacks.modelCheckpoint({ filepath: 'ckpt-{epoch:x}' })).toThrow(/placeholder \{epoch:x\} has an unsupported format 'x'/);
    expect(() => dn.callbacks.modelCheckpoint({ filepath: 'ckpt-{}' })).toThrow(/placeholder \{\} must name a logged value/);
    expect(() => dn.callbacks.modelCheckpoint({ filepath: 'ckpt-{loss:.500f}' })).toThrow(/unsupported format/);
  });

  it('names what was logged when a placeholder or the monitor is missing', async () => {
    const model = linearModel();
    const typo = dn.callbacks.modelCheckpoint({ filepath: join(scratch, 'e{epoch}-{mea:.2f}') });
    await expect(model.fit(x, y, { epochs: 1, verbose: 0, callbacks: [typo] })).rejects.toThrow(
      /filepath placeholder \{mea\} is not in the logs \(did you mean 'mae'\?\); available: loss, mae, epoch/,
    );
    const best = dn.callbacks.modelCheckpoint({ filepath: folder('best'), saveBestOnly: true });
    await expect(model.fit(x, y, { epochs: 1, verbose: 0, callbacks: [best] })).rejects.toThrow(
      /modelCheckpoint: monitor 'val_loss' is not in the logs; logged: loss, mae; validation metrics need validationData or validationSplit/,
    );
    const integer = dn.callbacks.modelCheckpoint({ filepath: join(scratch, '{loss:d}') });
    await expect(model.fit(x, y, { epochs: 1, verbose: 0, callbacks: [integer] })).rejects.toThrow(/\{loss\} is formatted as an integer \(d\)/);
  });
});

describe('modelCheckpoint', () => {
  it('formats the filepath like Keras (Python format specs)', () => {
    const callback = dn.callbacks.modelCheckpoint({ filepath: 'run/{epoch:03d}-{val_loss:.4f}-{loss:.2e}-{acc}-{{x}}-{n:5d}-{m:05.1f}' });
    expect(callback.pathFor(6, null, { val_loss: 0.123456, loss: 0.0000152, acc: 0.5, n: -42, m: -3.14159 })).toBe(
      'run/007-0.1235-1.52e-05-0.5-{x}-  -42--03.1',
    );
    expect(callback.pathFor(0, null, { val_loss: Number.NaN, loss: Number.POSITIVE_INFINITY, acc: 1, n: 0, m: 0 })).toBe('run/001-nan-inf-1-{x}-    0-000.0');
    expect(dn.callbacks.modelCheckpoint({ filepath: 'b{batch}' }).pathFor(0, 4, {})).toBe('b5');
    expect(() => dn.callbacks.modelCheckpoint({ filepath: 'b{batch}' }).pathFor(0, null, {})).toThrow(/\{batch\} is not in the logs/);
  });

  it('saves at the end of every epoch; each checkpoint loads with that epoch’s weights', async () => {
    const model = linearModel();
    const base = folder('every');
    const kernels: number[] = [];
    await model.fit(x, y, {
      epochs: 3, batchSize: 4, verbose: 0, callbacks: [
        dn.callbacks.modelCheckpoint({ filepath: join(base, 'epoch-{epoch:02d}-{loss:.3f}') }),
        { onEpochEnd: () => { kernels.push(kernelOf(model)); } },
      ],
    });
    const saved = readdirSync(base).sort();
    expect(saved.map((name) => name.slice(0, 8))).toEqual(['epoch-01', 'epoch-02', 'epoch-03']);
    for (const [i, name] of saved.entries()) {
      const loaded = await dn.loadModel(join(base, name));
      expect(kernelOf(loaded)).toBe(kernels[i]);
      expect(readdirSync(join(base, name)).sort()).toEqual(['model.json', 'weights.safetensors']);
    }
  });

  it('with saveBestOnly, the folder always holds the best epoch (min and max modes)', async () => {
    const model = linearModel();
    const replay = async (callback: dn.callbacks.ModelCheckpoint, key: string, values: number[]) => {
      callback.setModel(model);
      callback.onTrainBegin();
      for (const [epoch, value] of values.entries()) {
        // Each epoch leaves the model with weights that say which epoch it was.
        model.setWeights([dn.tensor([[epoch]]), dn.tensor([epoch])]);
        await callback.onEpochEnd(epoch, { loss: 1, [key]: value });
      }
    };
    const lowest = folder('lowest');
    const minimum = dn.callbacks.modelCheckpoint({ filepath: lowest, saveBestOnly: true });
    await replay(minimum, 'val_loss', [0.5, 0.7, 0.3, 0.4, 0.3]);
    expect(minimum.best).toBe(0.3);
    expect(kernelOf(await dn.loadModel(lowest))).toBe(2);

    const highest = folder('highest');
    const maximum = dn.callbacks.modelCheckpoint({ filepath: highest, monitor: 'val_accuracy', saveBestOnly: true });
    expect(maximum.mode).toBe('max');
    await replay(maximum, 'val_accuracy', [0.5, 0.9, 0.3, 0.8]);
    expect(kernelOf(await dn.loadModel(highest))).toBe(1);

    const threshold = folder('threshold');
    const guarded = dn.callbacks.modelCheckpoint({ filepath: threshold, saveBestOnly: true, initialValueThreshold: 0.2 });
    await replay(guarded, 'val_loss', [0.5, 0.3]);
    expect(existsSync(threshold)).toBe(false);
    expect(guarded.lastSavedPath).toBeNull();
  });

  it('saves every N batches with a numeric saveFreq, counting across epochs', async () => {
    const model = linearModel();
    const base = folder('batches');
    await model.fit(x, y, {
      epochs: 2, batchSize: 2, verbose: 0, shuffle: false,
      callbacks: [dn.callbacks.modelCheckpoint({ filepath: join(base, 'e{epoch}-b{batch}'), saveFreq: 3 })],
    });
    // 4 batches per epoch: the 3rd and the 6th batch overall.
    expect(readdirSync(base).sort()).toEqual(['e1-b3', 'e2-b2']);
  });

  it('includeOptimizer saves the optimizer state with each checkpoint', async () => {
    const model = linearModel();
    const dir = folder('with-optimizer');
    const checkpoint = dn.callbacks.modelCheckpoint({ filepath: dir, includeOptimizer: true });
    await model.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0, callbacks: [checkpoint] });
    expect(checkpoint.lastSavedPath).toBe(dir);
    const loaded = await dn.loadModel(dir);
    expect(loaded.optimizer?.iterations).toBe(4);
    expect(kernelOf(loaded)).toBe(kernelOf(model));
  });
});
