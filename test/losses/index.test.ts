// Loss lookup: names, aliases, objects, functions, serialization, errors.
import { describe, expect, it } from 'vitest';
import * as dn from '../../lib/index.js';
import { ArgumentTypeError, ValueError } from '../../lib/errors.js';
import { getLoss, LOSS_NAMES, serializeLoss } from '../../lib/losses/index.js';

describe('getLoss: should throw', () => {
  it('lists the valid names for an unknown one', () => {
    expect(() => getLoss('binaryCrossEntropy')).toThrow(ValueError);
    expect(() => getLoss('binaryCrossEntropy')).toThrow(
      "getLoss: unknown loss 'binaryCrossEntropy' (did you mean 'binaryCrossentropy'?); expected one of 'meanSquaredError', 'meanAbsoluteError', 'huber', 'binaryCrossentropy', 'categoricalCrossentropy', 'sparseCategoricalCrossentropy', 'meanAbsolutePercentageError', 'meanSquaredLogarithmicError', 'hinge', 'squaredHinge', 'categoricalHinge', 'logCosh', 'kullbackLeiblerDivergence', 'poisson', 'cosineSimilarity', 'ctc', 'mse', 'mae', 'mape', 'msle', 'kld', a loss object or a function (yTrue, yPred) => Tensor",
    );
    expect(() => getLoss(42 as never)).toThrow(ArgumentTypeError);
    expect(() => dn.losses.get('msee')).toThrow(/did you mean 'mse'/);
    expect(() => dn.losses.get('huber', { delta: -1 })).toThrow(ValueError);
  });
});

describe('getLoss', () => {
  it('resolves names, aliases and Keras spellings to loss objects', () => {
    expect(LOSS_NAMES).toContain('mse');
    expect(getLoss('mse')).toBeInstanceOf(dn.losses.MeanSquaredError);
    expect(getLoss('mae')).toBeInstanceOf(dn.losses.MeanAbsoluteError);
    expect(getLoss('sparse_categorical_crossentropy')).toBeInstanceOf(dn.losses.SparseCategoricalCrossentropy);
    expect(getLoss('BinaryCrossentropy')).toBeInstanceOf(dn.losses.BinaryCrossentropy);
    const fn = (a: dn.Tensor, b: dn.Tensor) => a.sub(b).abs().max();
    expect(getLoss(fn)).toBe(fn);
  });

  it('builds objects with options, and serializes them back', () => {
    const loss = dn.losses.get('binaryCrossentropy', { fromLogits: true, labelSmoothing: 0.1 });
    expect(loss.fromLogits).toBe(true);
    const config = serializeLoss(loss)!;
    expect(config).toEqual({ className: 'BinaryCrossentropy', config: { reduction: 'mean', fromLogits: true, labelSmoothing: 0.1 } });
    const copy = getLoss(config) as dn.losses.BinaryCrossentropy;
    expect(copy.labelSmoothing).toBe(0.1);
    expect(serializeLoss((a: dn.Tensor) => a)).toBeNull();
  });
});
