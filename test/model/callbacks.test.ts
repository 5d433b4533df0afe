// Callbacks: hook order and awaiting, earlyStopping (patience, minDelta, mode, baseline, restoring the
// best weights, a missing monitor), learningRateScheduler, stopping from a custom callback.
import { describe, expect, it, vi } from 'vitest';
import * as dn from '../../lib/index.js';
import { ArgumentTypeError, ValueError } from '../../lib/errors.js';
import type { Logs } from '../../lib/model/callbacks.js';

function linearModel(learningRate = 0.1): dn.Sequential {
  const model = dn.sequential({ layers: [dn.layers.dense({ units: 1, inputShape: [1], kernelInitializer: 'zeros' })] });
  model.compile({ optimizer: dn.optimizers.sgd({ learningRate }), loss: 'mse', metrics: ['mae'] });
  return model;
}
const x = dn.tensor([[1], [2], [3], [4]]);
const y = dn.tensor([[2], [4], [6], [8]]);

/** Replays a list of monitored values through earlyStopping's epoch hook. */
function replay(callback: dn.callbacks.EarlyStopping, values: number[], model: dn.Sequential): number {
  callback.setModel(model);
  model.stopTraining = false;
  callback.onTrainBegin();
  for (let epoch = 0; epoch < values.length; epoch++) {
    callback.onEpochEnd(epoch, { val_loss: values[epoch], val_accuracy: values[epoch] });
    if (model.stopTraining) return epoch;
  }
  return -1;
}

describe('callbacks: should throw', () => {
  it('validates earlyStopping and learningRateScheduler options', () => {
    expect(() => dn.callbacks.earlyStopping({ patience: -1 })).toThrow(ValueError);
    expect(() => dn.callbacks.earlyStopping({ mode: 'lowest' as never })).toThrow(/unknown mode 'lowest'/);
    expect(() => dn.callbacks.earlyStopping({ monitor: 3 as never })).toThrow(ArgumentTypeError);
    expect(() => dn.callbacks.earlyStopping({ restoreBestWeight: true } as never)).toThrow(/did you mean 'restoreBestWeights'/);
    expect(() => dn.callbacks.learningRateScheduler(0.1 as never)).toThrow(ArgumentTypeError);
  });

  it('earlyStopping warns once, naming what was logged, when the monitor is missing, and training carries on', async () => {
    // tfjs-layers callbacks_test.ts › 'Missing monitor leads to warning' (tfjs warns every epoch, Keras 3's
    // get_monitor_value once through warnings.warn): training is not stopped.
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    try {
      const model = linearModel();
      const history = await model.fit(x, y, { epochs: 3, verbose: 0, callbacks: [dn.callbacks.earlyStopping({ monitor: 'val_loss' })] });
      expect(history.epoch).toEqual([0, 1, 2]);
      expect(warn).toHaveBeenCalledTimes(1);
      expect(warn.mock.calls[0][0]).toBe(
        "earlyStopping: monitor 'val_loss' is not in the logs; logged: loss, mae; validation metrics need validationData or validationSplit in fit(); training continues without early stopping",
      );
      expect(warn.mock.calls[0][1]).toEqual({ type: 'DendriteWarning', code: 'DENDRITE_MONITOR_MISSING' });
      await model.fit(x, y, { epochs: 2, verbose: 0, callbacks: [dn.callbacks.earlyStopping({ monitor: 'mea' })] });
      expect(warn).toHaveBeenCalledTimes(2);
      expect(warn.mock.calls[1][0]).toMatch(/did you mean 'mae'/);
      // The callback on its own, as the tfjs test drives it: the model is not stopped.
      const callback = dn.callbacks.earlyStopping();
      callback.setModel(model);
      callback.onTrainBegin();
      callback.onEpochEnd(0, { loss: 100 });
      callback.onEpochEnd(1, { loss: 100 });
      expect(model.stopTraining).toBe(false);
      expect(warn).toHaveBeenCalledTimes(3);
    } finally {
      warn.mockRestore();
    }
  });

  it('rejects a schedule returning a bad rate', async () => {
    const model = linearModel();
    const scheduler = dn.callbacks.learningRateScheduler(() => -1);
    await expect(model.fit(x, y, { verbose: 0, callbacks: [scheduler] })).rejects.toThrow(
      'learningRateScheduler: the schedule returned -1 for epoch 0; it must return a finite number >= 0',
    );
  });
});

describe('callbacks', () => {
  it('calls the hooks in order with the logs, awaiting async ones', async () => {
    const model = linearModel();
    const events: string[] = [];
    let epochLogs: Logs | null = null;
    await model.fit(x, y, {
      epochs: 2, batchSize: 2, verbose: 0, shuffle: false,
      callbacks: {
        onTrainBegin: () => { events.push('trainBegin'); },
        onEpochBegin: async (epoch) => {
          await new Promise((resolve) => setTimeout(resolve, 5));
          events.push(`epochBegin ${epoch}`);
        },
        onBatchBegin: (batch, logs) => { events.push(`batchBegin ${batch} size ${logs.size}`); },
        onBatchEnd: (batch, logs) => { events.push(`batchEnd ${batch} ${Number.isFinite(logs.loss) && Number.isFinite(logs.mae)}`); },
        onEpochEnd: (epoch, logs) => { events.push(`epochEnd ${epoch}`); epochLogs = logs; },
        onTrainEnd: () => { events.push('trainEnd'); },
      },
    });
    expect(events).toEqual([
      'trainBegin',
      'epochBegin 0', 'batchBegin 0 size 2', 'batchEnd 0 true', 'batchBegin 1 size 2', 'batchEnd 1 true', 'epochEnd 0',
      'epochBegin 1', 'batchBegin 0 size 2', 'batchEnd 0 true', 'batchBegin 1 size 2', 'batchEnd 1 true', 'epochEnd 1',
      'trainEnd',
    ]);
    expect(Object.keys(epochLogs!)).toEqual(['loss', 'mae']);
  });

  it('gives callbacks the model and the run parameters', async () => {
    const model = linearModel();
    class Spy extends dn.callbacks.Callback {
      seen: unknown[] = [];
      override onTrainBegin(): void {
        this.seen.push(this.model === model, this.params);
      }
    }
    const spy = new Spy();
    await model.fit(x, y, { epochs: 3, batchSize: 3, verbose: 0, validationData: [x, y], callbacks: spy });
    expect(spy.seen).toEqual([true, { epochs: 3, initialEpoch: 0, steps: 2, samples: 4, batchSize: 3, verbose: 0, metrics: ['loss', 'mae', 'val_loss', 'val_mae'] }]);
  });

  it('lets a callback stop training', async () => {
    const model = linearModel();
    const history = await model.fit(x, y, {
      epochs: 10, batchSize: 1, verbose: 0,
      callbacks: { onBatchEnd: (batch) => { if (batch === 1) model.stopTraining = true; } },
    });
    expect(history.epoch).toEqual([0]);
  });

  it('earlyStopping waits `patience` epochs without improvement, counting minDelta', () => {
    const model = linearModel();
    expect(replay(dn.callbacks.earlyStopping({ patience: 2 }), [5, 4, 4.5, 4.2, 3, 2], model)).toBe(3);
    expect(replay(dn.callbacks.earlyStopping({ patience: 0 }), [5, 4, 4.5], model)).toBe(2);
    // Improvements smaller than minDelta do not count.
    expect(replay(dn.callbacks.earlyStopping({ patience: 1, minDelta: 0.5 }), [5, 4.8, 4.7, 1], model)).toBe(1);
    expect(replay(dn.callbacks.earlyStopping({ patience: 1, minDelta: 0.1 }), [5, 4.8, 4.6, 1], model)).toBe(-1);
    // 'auto' watches accuracy upward.
    const accuracy = dn.callbacks.earlyStopping({ monitor: 'val_accuracy', patience: 1 });
    expect(accuracy.mode).toBe('max');
    expect(replay(accuracy, [0.5, 0.6, 0.55, 0.58], model)).toBe(2);
    // A baseline never beaten: the first epoch does not reset the wait, so it stops one epoch sooner.
    expect(replay(dn.callbacks.earlyStopping({ patience: 2 }), [5, 5, 5, 5], model)).toBe(2);
    expect(replay(dn.callbacks.earlyStopping({ patience: 2, baseline: 1 }), [5, 5, 5, 5], model)).toBe(1);
    expect(replay(dn.callbacks.earlyStopping({ patience: 1, startFromEpoch: 3 }), [5, 6, 7, 8, 9], model)).toBe(4);
  });

  it('earlyStopping restores the weights of the best epoch', async () => {
    const model = linearModel(0.01);
    const weightsAt: number[] = [];
    const validationY = dn.tensor([[0], [0], [0], [0]]);
    const stopper = dn.callbacks.earlyStopping({ monitor: 'val_loss', patience: 2, restoreBestWeights: true });
    // Training toward y = 2x makes the validation loss against y = 0 worse every epoch: epoch 0 is best.
    const history = await model.fit(x, y, {
      epochs: 20, batchSize: 4, verbose: 0, validationData: [x, validationY],
      callbacks: [{ onEpochEnd: () => { weightsAt.push(model.getWeights()[0].dataSync()[0]); } }, stopper],
    });
    expect(history.epoch).toEqual([0, 1, 2]);
    expect(stopper.bestEpoch).toBe(0);
    expect(stopper.stoppedEpoch).toBe(2);
    expect(model.getWeights()[0].dataSync()[0]).toBe(weightsAt[0]);
    expect(weightsAt[2]).not.toBe(weightsAt[0]);
  });

  it('learningRateScheduler sets the rate each epoch and logs it', async () => {
    const model = linearModel(0.1);
    const seen: number[] = [];
    const history = await model.fit(x, y, {
      epochs: 3, verbose: 0,
      callbacks: [
        dn.callbacks.learningRateScheduler((epoch, rate) => (epoch === 0 ? rate : rate / 2)),
        { onEpochBegin: () => { seen.push(model.optimizer!.learningRate); } },
      ],
    });
    expect(seen).toEqual([0.1, 0.05, 0.025]);
    expect(history.history.learningRate).toEqual([0.1, 0.05, 0.025]);
  });
});
