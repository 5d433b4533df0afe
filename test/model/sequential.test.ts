// Sequential: building by shape inference, shape errors at add and at call naming the layer and both
// shapes, compile validation, weights, config round trip.
import { describe, expect, it } from 'vitest';
import * as dn from '../../lib/index.js';
import { ArgumentTypeError, DTypeError, ShapeError, ValueError } from '../../lib/errors.js';

const seeded = (seed: number) => dn.initializers.glorotUniform({ seed });

describe('sequential: should throw', () => {
  it('rejects what is not a layer, a layer twice, and duplicate names', () => {
    const model = dn.sequential();
    expect(() => model.add({} as never)).toThrow(ArgumentTypeError);
    const layer = dn.layers.dense({ units: 2, inputShape: [3], name: 'seq_a' });
    model.add(layer);
    expect(() => model.add(layer)).toThrow(/layer 'seq_a' is already in the model/);
    expect(() => model.add(dn.layers.dense({ units: 2, name: 'seq_a' }))).toThrow(/already has a layer named 'seq_a'/);
    expect(() => dn.sequential({ layer: [] } as never)).toThrow(/unknown option 'layer' \(did you mean 'layers'\?\)/);
    expect(() => dn.sequential({ layers: 'dense' as never })).toThrow(ArgumentTypeError);
  });

  it('names the layer and both shapes when an added layer does not fit', () => {
    const model = dn.sequential({ layers: [dn.layers.dense({ units: 10, inputShape: [4], name: 'dense_in' })] });
    const prebuilt = dn.layers.dense({ units: 3, name: 'dense_2' });
    prebuilt.build([null, 64]);
    expect(() => model.add(prebuilt)).toThrow(ShapeError);
    expect(() => model.add(prebuilt)).toThrow('dense_2: expected input with last dimension 64, got shape [null, 10]');
    expect(() => model.add(dn.layers.reshape({ targetShape: [3, 3], name: 'reshape_9' }))).toThrow(
      'reshape_9: cannot reshape input of shape [null, 10] (10 elements per sample) to target shape [3, 3] (9 elements)',
    );
    expect(() => model.add(dn.layers.dense({ units: 3, inputShape: [7], name: 'dense_decl' }))).toThrow(
      'dense_decl: expected input with shape [null, 7], got shape [null, 10] from dense_in',
    );
    // Nothing was added by the failed calls.
    expect(model.layers.map((l) => l.name)).toEqual(['dense_in']);
  });

  it('names the first layer and both shapes when the data does not fit', () => {
    const model = dn.sequential({ layers: [dn.layers.dense({ units: 2, inputShape: [64], name: 'dense_first' })] });
    expect(() => model.predict(dn.zeros([32, 10]))).toThrow('dense_first: expected input with last dimension 64, got shape [32, 10]');
    expect(() => model.predict(dn.zeros([32, 64], 'int32'))).toThrow(DTypeError);
    expect(() => model.predict(dn.scalar(1))).toThrow(/must have a batch dimension/);
    expect(() => dn.sequential().predict(dn.zeros([1, 2]))).toThrow(/the model has no layers/);
  });

  it('validates compile: names with suggestions, required loss, unknown options', () => {
    const model = dn.sequential({ layers: [dn.layers.dense({ units: 1, inputShape: [2] })] });
    expect(() => model.compile({ optimizer: 'adma', loss: 'mse' })).toThrow(
      "compile: unknown optimizer 'adma' (did you mean 'adam'?); expected one of 'sgd', 'adam', 'adamw', 'rmsprop', 'adagrad', 'adamax', 'adadelta', 'nadam' or an optimizer object",
    );
    expect(() => model.compile({ optimizer: 'adam', loss: 'mse2' })).toThrow(/compile: unknown loss 'mse2' \(did you mean 'mse'\?\); expected one of/);
    expect(() => model.compile({ optimizer: 'adam', loss: 'mse', metrics: ['acuracy'] })).toThrow(/compile: unknown metric 'acuracy' \(did you mean 'accuracy'\?\)/);
    expect(() => model.compile({ optimizer: 'adam' } as never)).toThrow(/compile: loss is required/);
    expect(() => model.compile({ loss: 'mse', metric: ['mae'] } as never)).toThrow(/unknown option 'metric' \(did you mean 'metrics'\?\)/);
    expect(() => model.compile({ loss: 'mse', metrics: ['mae', 'mae'] })).toThrow(/two metrics are named 'mae'/);
    expect(() => model.compile(undefined as never)).toThrow(ValueError);
    // Every short name and Keras class name compiles to that optimizer with its defaults.
    for (const [name, className] of [['adamax', 'Adamax'], ['Adamax', 'Adamax'], ['adadelta', 'Adadelta'], ['Adadelta', 'Adadelta'], ['nadam', 'Nadam'], ['Nadam', 'Nadam'], ['AdamW', 'AdamW']]) {
      model.compile({ optimizer: name, loss: 'mse' });
      expect(model.optimizer?.className).toBe(className);
    }
  });

  it('needs compile before training and a build before weights', async () => {
    const model = dn.sequential({ layers: [dn.layers.dense({ units: 1 })] });
    await expect(model.fit(dn.zeros([2, 2]), dn.zeros([2, 1]))).rejects.toThrow(/fit: the model must be compiled first/);
    expect(() => model.trainOnBatch(dn.zeros([2, 2]), dn.zeros([2, 1]))).toThrow(/must be compiled first/);
    expect(() => model.countParams()).toThrow(/the model is not built yet/);
    expect(() => model.setWeights([])).toThrow(/not built yet/);
    expect(() => model.getLayer('nope')).toThrow(/no layer named 'nope'/);
    expect(() => model.getLayer(3)).toThrow(ValueError);
  });
});

describe('sequential', () => {
  it('infers every shape from the first layer', () => {
    const model = dn.sequential({
      layers: [
        dn.layers.reshape({ targetShape: [4, 4], inputShape: [16] }),
        dn.layers.flatten(),
        dn.layers.dense({ units: 8, activation: 'relu' }),
        dn.layers.dropout({ rate: 0.5 }),
        dn.layers.dense({ units: 3, activation: 'softmax' }),
      ],
    });
    expect(model.built).toBe(true);
    expect(model.inputShape).toEqual([null, 16]);
    expect(model.outputShape).toEqual([null, 3]);
    expect(model.layers.map((l) => l.outputShape)).toEqual([[null, 4, 4], [null, 16], [null, 8], [null, 8], [null, 3]]);
    expect(model.countParams()).toBe(16 * 8 + 8 + 8 * 3 + 3);
    expect(model.predict(dn.ones([5, 16])).shape).toEqual([5, 3]);
  });

  it('builds on the first data when no layer declares an input shape', () => {
    const model = dn.sequential();
    model.add(dn.layers.dense({ units: 4 }));
    model.add(dn.layers.dense({ units: 2 }));
    expect(model.built).toBe(false);
    expect(model.inputShape).toBeNull();
    expect(model.predict(dn.ones([3, 6])).shape).toEqual([3, 2]);
    expect(model.inputShape).toEqual([null, 6]);
    expect(() => model.predict(dn.ones([3, 5]))).toThrow(ShapeError);
  });

  it('finds and pops layers', () => {
    const model = dn.sequential({ layers: [dn.layers.dense({ units: 4, inputShape: [2], name: 'find_a' }), dn.layers.dense({ units: 1, name: 'find_b' })] });
    expect(model.getLayer('find_b').name).toBe('find_b');
    expect(model.getLayer(0).name).toBe('find_a');
    expect(model.pop().name).toBe('find_b');
    expect(model.outputShape).toEqual([null, 4]);
    expect(() => dn.sequential().pop()).toThrow(/no layers/);
  });

  it('gets and sets all weights in layer order', () => {
    const model = dn.sequential({ layers: [dn.layers.dense({ units: 2, inputShape: [2] }), dn.layers.dense({ units: 1 })] });
    const weights = model.getWeights();
    expect(weights.map((w) => w.shape)).toEqual([[2, 2], [2], [2, 1], [1]]);
    expect(model.weights.map((w) => w.name)).toEqual(model.layers.flatMap((l) => [`${l.name}/kernel`, `${l.name}/bias`]));
    model.setWeights([[[1, 0], [0, 1]], [1, 1], [[1], [1]], [0.5]]);
    expect(model.predict(dn.tensor([[1, 2]])).toArray()).toEqual([[5.5]]);
    expect(() => model.setWeights(weights.slice(1))).toThrow(/expected 4 weights/);
    expect(() => model.setWeights([weights[1], weights[0], weights[2], weights[3]])).toThrow(/weights\[0\] \(.*\/kernel\) must have shape \[2, 2\], got shape \[2\]/);
  });

  it('rebuilds from its config through the layer registry', () => {
    const model = dn.sequential({
      name: 'config_model',
      layers: [
        dn.layers.dense({ units: 5, activation: 'relu', inputShape: [3], kernelInitializer: seeded(1) }),
        dn.layers.dropout({ rate: 0.2, seed: 4 }),
        dn.layers.dense({ units: 2, activation: 'softmax', kernelInitializer: seeded(2) }),
      ],
    });
    const config = JSON.parse(JSON.stringify(model.getConfig()));
    expect(config.name).toBe('config_model');
    expect(config.layers.map((l: { className: string }) => l.className)).toEqual(['Dense', 'Dropout', 'Dense']);
    const copy = dn.Sequential.fromConfig(config);
    expect(copy.built).toBe(true);
    copy.setWeights(model.getWeights());
    const x = dn.tensor([[0.1, -0.2, 0.3]]);
    expect(copy.predict(x).toArray()).toEqual(model.predict(x).toArray());
  });
});
