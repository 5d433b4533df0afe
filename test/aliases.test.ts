// The alias table (lib/aliases.ts): every string identifier TensorFlow.js (tfjs-layers) and Keras 3 accept
// for an initializer, activation, loss, metric, optimizer or regularizer resolves to the same object as
// Dendrite's canonical name; names of Object.prototype never resolve; unknown names keep their
// "did you mean" error. The identifier lists are transcribed from the peers' sources, as cited.
import { describe, expect, it } from 'vitest';
import * as dn from '../lib/index.js';
import { ValueError } from '../lib/errors.js';
import { ACTIVATION_NAMES, getActivation, serializeActivation } from '../lib/activations.js';
import { deserializeInitializer, getInitializer, INITIALIZER_NAMES } from '../lib/initializers.js';
import { getLoss, LOSS_NAMES } from '../lib/losses/index.js';
import { deserializeMetric, getMetric, METRIC_NAMES } from '../lib/metrics.js';
import { deserializeOptimizer, getOptimizer, OPTIMIZER_NAMES } from '../lib/optimizers/index.js';
import { deserializeSchedule } from '../lib/optimizers/schedules.js';
import { deserializeRegularizer, getRegularizer, REGULARIZER_NAMES } from '../lib/regularizers.js';
import { ALIASES, ownEntry, resolveName, type RegistryKind } from '../lib/aliases.js';

/** A built-in object as plain data: its class (or activation name) and its config. */
function identity(object: { className?: string; name?: string; getConfig(): Record<string, unknown> }): unknown {
  return { className: object.className ?? object.name, config: object.getConfig() };
}

/** Checks that every `[alias, canonical]` pair builds the same object. */
function expectSame<T extends { getConfig(): Record<string, unknown> }>(pairs: [string, string][], get: (name: string) => T, describeObject = identity): void {
  for (const [alias, canonical] of pairs) {
    expect({ alias, object: describeObject(get(alias) as never) }).toEqual({ alias, object: describeObject(get(canonical) as never) });
  }
}

const PROTOTYPE_NAMES = ['toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf', 'isPrototypeOf', '__defineGetter__'];

describe('aliases: should throw', () => {
  it('never resolves a name of Object.prototype, in any registry', () => {
    for (const name of PROTOTYPE_NAMES) {
      expect(() => getInitializer(name)).toThrow(ValueError);
      expect(() => getActivation(name as never)).toThrow(ValueError);
      expect(() => dn.losses.get(name)).toThrow(ValueError);
      expect(() => getLoss(name)).toThrow(ValueError);
      expect(() => getMetric(name)).toThrow(ValueError);
      expect(() => getOptimizer(name)).toThrow(ValueError);
      expect(() => getRegularizer(name)).toThrow(ValueError);
      expect(() => deserializeInitializer({ className: name, config: {} })).toThrow(ValueError);
      expect(() => deserializeRegularizer({ className: name, config: {} })).toThrow(ValueError);
      expect(() => deserializeOptimizer({ className: name, config: {} })).toThrow(ValueError);
      expect(() => deserializeMetric({ className: name, config: {} })).toThrow(ValueError);
      expect(() => deserializeSchedule({ className: name, config: {} })).toThrow(ValueError);
      expect(() => getActivation({ className: name, config: {} })).toThrow(ValueError);
      expect(() => getLoss({ className: name, config: {} })).toThrow(ValueError);
      expect(() => dn.layers.dense({ units: 1, activation: name as never })).toThrow(ValueError);
      expect(() => dn.layers.dense({ units: 1, kernelRegularizer: name })).toThrow(ValueError);
      expect(() => dn.layers.dense({ units: 1, kernelInitializer: name })).toThrow(ValueError);
      expect(() => dn.sequential({ layers: [dn.layers.dense({ units: 1, inputShape: [1] })] }).compile({ loss: 'mse', optimizer: name })).toThrow(ValueError);
    }
    expect(ownEntry({ a: 1 }, 'toString')).toBeUndefined();
    expect(resolveName('loss', 'constructor', { constructor: 1 })).toEqual({ name: 'constructor', config: {} });
  });

  it('keeps the "did you mean" error for other names, suggesting any accepted spelling', () => {
    expect(() => getInitializer('glorot_unifrom')).toThrow(/unknown initializer 'glorot_unifrom' \(did you mean 'glorot_uniform'\?\); known initializers: zeros, ones/);
    expect(() => getInitializer('LeCunNormall')).toThrow(/did you mean 'LeCunNormal'\?/);
    expect(() => dn.losses.get('mean_squared_eror')).toThrow(/unknown loss 'mean_squared_eror' \(did you mean 'mean_squared_error'\?\)/);
    expect(() => getMetric('binary_acuracy')).toThrow(/unknown metric 'binary_acuracy' \(did you mean 'binary_accuracy'\?\)/);
    expect(() => getOptimizer('adamx2')).toThrow(/unknown optimizer 'adamx2'/);
    expect(() => getOptimizer('ftrl')).toThrow(/expected one of 'sgd', 'adam'/);
    expect(() => getRegularizer('L1L3')).toThrow(/unknown regularizer 'L1L3' \(did you mean 'L1L2'\?\)/);
    expect(() => getActivation('leaky_rel' as never)).toThrow(/unknown activation 'leaky_rel' \(did you mean 'leaky_relu'\?\)/);
  });
});

describe('aliases', () => {
  it('lists only names that resolve: every alias of the table stands for a registered object', () => {
    const registries: Record<RegistryKind, Record<string, unknown>> = {
      initializer: Object.fromEntries(INITIALIZER_NAMES.map((n) => [n, 1])),
      activation: Object.fromEntries(ACTIVATION_NAMES.map((n) => [n, 1])),
      loss: Object.fromEntries(LOSS_NAMES.map((n) => [n, 1])),
      metric: Object.fromEntries(METRIC_NAMES.map((n) => [n, 1])),
      optimizer: Object.fromEntries(OPTIMIZER_NAMES.map((n) => [n, 1])),
      regularizer: Object.fromEntries(REGULARIZER_NAMES.map((n) => [n, 1])),
    };
    const build: Record<RegistryKind, (name: string) => unknown> = {
      initializer: getInitializer, activation: (n) => getActivation(n as never), loss: dn.losses.get, metric: getMetric,
      optimizer: getOptimizer, regularizer: getRegularizer,
    };
    for (const kind of Object.keys(ALIASES) as RegistryKind[]) {
      for (const alias of Object.keys(ALIASES[kind])) {
        expect({ kind, alias, registered: resolveName(kind, alias, registries[kind]) !== undefined }).toEqual({ kind, alias, registered: true });
        expect(build[kind](alias)).toBeDefined();
      }
    }
  });

  it('resolves the initializer identifiers of tfjs-layers and Keras 3', () => {
    // tfjs-layers initializers.ts › INITIALIZER_IDENTIFIER_REGISTRY_SYMBOL_MAP, keys and class names.
    const tfjs: [string, string][] = [
      ['constant', 'constant'], ['glorotNormal', 'glorotNormal'], ['glorotUniform', 'glorotUniform'], ['heNormal', 'heNormal'],
      ['heUniform', 'heUniform'], ['leCunNormal', 'lecunNormal'], ['leCunUniform', 'lecunUniform'], ['ones', 'ones'],
      ['orthogonal', 'orthogonal'], ['randomNormal', 'randomNormal'], ['randomUniform', 'randomUniform'],
      ['truncatedNormal', 'truncatedNormal'], ['varianceScaling', 'varianceScaling'], ['zeros', 'zeros'],
      ['Constant', 'constant'], ['GlorotNormal', 'glorotNormal'], ['GlorotUniform', 'glorotUniform'], ['HeNormal', 'heNormal'],
      ['HeUniform', 'heUniform'], ['LeCunNormal', 'lecunNormal'], ['LeCunUniform', 'lecunUniform'], ['Ones', 'ones'],
      ['Orthogonal', 'orthogonal'], ['RandomNormal', 'randomNormal'], ['RandomUniform', 'randomUniform'],
      ['TruncatedNormal', 'truncatedNormal'], ['VarianceScaling', 'varianceScaling'], ['Zeros', 'zeros'],
    ];
    // Keras 3 keras/src/initializers/__init__.py › ALL_OBJECTS_DICT: class names, their snake_case, aliases.
    const keras: [string, string][] = [
      ['LecunNormal', 'lecunNormal'], ['LecunUniform', 'lecunUniform'], ['lecun_normal', 'lecunNormal'], ['lecun_uniform', 'lecunUniform'],
      ['glorot_normal', 'glorotNormal'], ['glorot_uniform', 'glorotUniform'], ['he_normal', 'heNormal'], ['he_uniform', 'heUniform'],
      ['random_normal', 'randomNormal'], ['random_uniform', 'randomUniform'], ['truncated_normal', 'truncatedNormal'],
      ['variance_scaling', 'varianceScaling'], ['normal', 'randomNormal'], ['uniform', 'randomUniform'], ['one', 'ones'], ['zero', 'zeros'],
      ['OrthogonalInitializer', 'orthogonal'],
    ];
    expectSame([...tfjs, ...keras], (name) => getInitializer(name));
    expectSame(keras.filter(([alias]) => /^[A-Z]/.test(alias)), (name) => deserializeInitializer({ className: name, config: { seed: 3 } }));
    // A layer takes them as kernelInitializer: the same weights as the canonical name.
    const weights = (init: string): number[] => {
      dn.seed(5);
      const layer = dn.layers.dense({ units: 3, kernelInitializer: init });
      layer.build([null, 4]);
      return Array.from(layer.getWeights()[0].dataSync());
    };
    expect(weights('LeCunNormal')).toEqual(weights('lecunNormal'));
  });

  it('resolves the activation identifiers of tfjs-layers and Keras 3', () => {
    // tfjs-layers activations.ts › each class's className (the ones Dendrite has); 'gelu_new' is the tanh form.
    const tfjs: [string, string][] = [
      ['elu', 'elu'], ['selu', 'selu'], ['relu', 'relu'], ['relu6', 'relu6'], ['linear', 'linear'], ['sigmoid', 'sigmoid'],
      ['hardSigmoid', 'hardSigmoid'], ['softplus', 'softplus'], ['softsign', 'softsign'], ['tanh', 'tanh'], ['softmax', 'softmax'],
      ['gelu', 'gelu'], ['mish', 'mish'], ['swish', 'swish'], ['Swish', 'swish'], ['logSoftmax', 'logSoftmax'],
    ];
    // Keras 3 keras/src/activations/__init__.py › ALL_OBJECTS_DICT (the ones Dendrite has).
    const keras: [string, string][] = [
      ['relu', 'relu'], ['leaky_relu', 'leakyRelu'], ['relu6', 'relu6'], ['softmax', 'softmax'], ['elu', 'elu'], ['selu', 'selu'],
      ['softplus', 'softplus'], ['softsign', 'softsign'], ['silu', 'swish'], ['gelu', 'gelu'], ['tanh', 'tanh'], ['sigmoid', 'sigmoid'],
      ['hard_sigmoid', 'hardSigmoid'], ['hard_silu', 'hardSwish'], ['linear', 'linear'], ['mish', 'mish'], ['swish', 'swish'],
      ['hard_swish', 'hardSwish'], ['log_softmax', 'logSoftmax'], ['exponential', 'exponential'],
    ];
    const describeActivation = (a: { name?: string; getConfig(): Record<string, unknown> }): unknown => ({ name: a.name, config: a.getConfig() });
    expectSame([...tfjs, ...keras], (name) => getActivation(name as never), describeActivation);
    const geluNew = getActivation('gelu_new' as never);
    expect(describeActivation(geluNew)).toEqual(describeActivation(dn.activations.gelu({ approximate: true })));
    expect(serializeActivation(geluNew)).toEqual({ className: 'gelu', config: { approximate: true } });
    const x = dn.tensor([-1.5, 0.3, 2]);
    expect(dn.layers.activation({ activation: 'gelu_new' as never }).apply(x).dataSync()).toEqual(dn.gelu(x, { approximate: 'tanh' }).dataSync());
    // A serialized activation by an alias name keeps the alias's options under its own.
    expect(describeActivation(getActivation({ className: 'leaky_relu', config: { alpha: 0.1 } }))).toEqual(describeActivation(dn.activations.leakyRelu({ alpha: 0.1 })));
  });

  it('resolves the loss identifiers of tfjs-layers and Keras 3', () => {
    // tfjs-layers losses.ts › lossesMap, and keras_format/loss_config.ts › lossOptions (Keras 2 names).
    const tfjs: [string, string][] = [
      ['meanSquaredError', 'meanSquaredError'], ['meanAbsoluteError', 'meanAbsoluteError'],
      ['meanAbsolutePercentageError', 'meanAbsolutePercentageError'], ['meanSquaredLogarithmicError', 'meanSquaredLogarithmicError'],
      ['squaredHinge', 'squaredHinge'], ['hinge', 'hinge'], ['categoricalHinge', 'categoricalHinge'], ['logcosh', 'logCosh'],
      ['categoricalCrossentropy', 'categoricalCrossentropy'], ['sparseCategoricalCrossentropy', 'sparseCategoricalCrossentropy'],
      ['binaryCrossentropy', 'binaryCrossentropy'], ['kullbackLeiblerDivergence', 'kullbackLeiblerDivergence'], ['poisson', 'poisson'],
      ['cosineProximity', 'cosineSimilarity'],
      ['mean_absolute_percentage_error', 'meanAbsolutePercentageError'], ['mean_squared_logarithmic_error', 'meanSquaredLogarithmicError'],
      ['squared_hinge', 'squaredHinge'], ['categorical_hinge', 'categoricalHinge'], ['kullback_leibler_divergence', 'kullbackLeiblerDivergence'],
      ['cosine_proximity', 'cosineSimilarity'],
    ];
    // Keras 3 keras/src/losses/__init__.py › ALL_OBJECTS_DICT: class names, function names, short forms.
    const keras: [string, string][] = [
      ['MeanSquaredError', 'meanSquaredError'], ['mean_squared_error', 'meanSquaredError'], ['mse', 'meanSquaredError'], ['MSE', 'meanSquaredError'],
      ['MeanAbsoluteError', 'meanAbsoluteError'], ['mean_absolute_error', 'meanAbsoluteError'], ['mae', 'meanAbsoluteError'], ['MAE', 'meanAbsoluteError'],
      ['Huber', 'huber'], ['huber', 'huber'], ['BinaryCrossentropy', 'binaryCrossentropy'], ['binary_crossentropy', 'binaryCrossentropy'],
      ['bce', 'binaryCrossentropy'], ['BCE', 'binaryCrossentropy'], ['CategoricalCrossentropy', 'categoricalCrossentropy'],
      ['categorical_crossentropy', 'categoricalCrossentropy'], ['SparseCategoricalCrossentropy', 'sparseCategoricalCrossentropy'],
      ['sparse_categorical_crossentropy', 'sparseCategoricalCrossentropy'], ['KLDivergence', 'kullbackLeiblerDivergence'],
      ['kl_divergence', 'kullbackLeiblerDivergence'], ['kld', 'kullbackLeiblerDivergence'], ['KLD', 'kullbackLeiblerDivergence'],
      ['Poisson', 'poisson'], ['MeanAbsolutePercentageError', 'meanAbsolutePercentageError'], ['mape', 'meanAbsolutePercentageError'],
      ['MAPE', 'meanAbsolutePercentageError'], ['MeanSquaredLogarithmicError', 'meanSquaredLogarithmicError'],
      ['msle', 'meanSquaredLogarithmicError'], ['MSLE', 'meanSquaredLogarithmicError'], ['CosineSimilarity', 'cosineSimilarity'],
      ['cosine_similarity', 'cosineSimilarity'], ['LogCosh', 'logCosh'], ['log_cosh', 'logCosh'], ['Hinge', 'hinge'],
      ['SquaredHinge', 'squaredHinge'], ['CategoricalHinge', 'categoricalHinge'],
    ];
    expectSame([...tfjs, ...keras], (name) => dn.losses.get(name));
    expectSame(keras, (name) => getLoss(name) as dn.Loss);
    expect(identity(getLoss({ className: 'binary_crossentropy', config: { fromLogits: true } }) as dn.Loss)).toEqual(identity(dn.losses.get('binaryCrossentropy', { fromLogits: true })));
  });

  it('resolves the metric identifiers of tfjs-layers and Keras 3, logging each under the name asked', () => {
    // tfjs-layers metrics.ts › metricsMap and the 'accuracy'/'acc'/'crossentropy'/'ce' of its compile.
    const tfjs: [string, string][] = [
      ['binaryAccuracy', 'binaryAccuracy'], ['categoricalAccuracy', 'categoricalAccuracy'], ['precision', 'precision'],
      ['categoricalCrossentropy', 'categoricalCrossentropy'], ['sparseCategoricalCrossentropy', 'sparseCategoricalCrossentropy'],
      ['mse', 'meanSquaredError'], ['MSE', 'meanSquaredError'], ['mae', 'meanAbsoluteError'], ['MAE', 'meanAbsoluteError'],
      ['mape', 'meanAbsolutePercentageError'], ['MAPE', 'meanAbsolutePercentageError'], ['cosine', 'cosineSimilarity'], ['acc', 'accuracy'],
      ['ce', 'crossentropy'], ['crossentropy', 'crossentropy'],
    ];
    // Keras 3 keras/src/metrics/__init__.py › ALL_OBJECTS_DICT, and compile_utils.get_metric's 'accuracy'/'acc' in any case.
    const keras: [string, string][] = [
      ['BinaryAccuracy', 'binaryAccuracy'], ['binary_accuracy', 'binaryAccuracy'], ['CategoricalAccuracy', 'categoricalAccuracy'],
      ['categorical_accuracy', 'categoricalAccuracy'], ['SparseCategoricalAccuracy', 'sparseCategoricalAccuracy'],
      ['sparse_categorical_accuracy', 'sparseCategoricalAccuracy'], ['Precision', 'precision'], ['Recall', 'recall'], ['recall', 'recall'],
      ['AUC', 'auc'], ['auc', 'auc'], ['MeanSquaredError', 'meanSquaredError'], ['mean_squared_error', 'meanSquaredError'],
      ['MeanAbsoluteError', 'meanAbsoluteError'], ['mean_absolute_error', 'meanAbsoluteError'], ['Accuracy', 'accuracy'], ['ACC', 'accuracy'],
      ['TopKCategoricalAccuracy', 'topKCategoricalAccuracy'], ['top_k_categorical_accuracy', 'topKCategoricalAccuracy'],
      ['SparseTopKCategoricalAccuracy', 'sparseTopKCategoricalAccuracy'], ['sparse_top_k_categorical_accuracy', 'sparseTopKCategoricalAccuracy'],
      ['R2Score', 'r2Score'], ['r2_score', 'r2Score'], ['MeanAbsolutePercentageError', 'meanAbsolutePercentageError'],
      ['mean_absolute_percentage_error', 'meanAbsolutePercentageError'], ['MeanSquaredLogarithmicError', 'meanSquaredLogarithmicError'],
      ['mean_squared_logarithmic_error', 'meanSquaredLogarithmicError'], ['msle', 'meanSquaredLogarithmicError'], ['MSLE', 'meanSquaredLogarithmicError'],
      ['CosineSimilarity', 'cosineSimilarity'], ['cosine_similarity', 'cosineSimilarity'], ['LogCoshError', 'logCosh'], ['log_cosh_error', 'logCosh'],
      ['Hinge', 'hinge'], ['hinge', 'hinge'], ['SquaredHinge', 'squaredHinge'], ['squared_hinge', 'squaredHinge'],
      ['CategoricalHinge', 'categoricalHinge'], ['categorical_hinge', 'categoricalHinge'], ['KLDivergence', 'kullbackLeiblerDivergence'],
      ['kl_divergence', 'kullbackLeiblerDivergence'], ['Poisson', 'poisson'], ['poisson', 'poisson'],
      ['BinaryCrossentropy', 'binaryCrossentropy'], ['binary_crossentropy', 'binaryCrossentropy'], ['bce', 'binaryCrossentropy'],
      ['BCE', 'binaryCrossentropy'], ['CategoricalCrossentropy', 'categoricalCrossentropy'], ['categorical_crossentropy', 'categoricalCrossentropy'],
      ['SparseCategoricalCrossentropy', 'sparseCategoricalCrossentropy'], ['sparse_categorical_crossentropy', 'sparseCategoricalCrossentropy'],
    ];
    for (const [alias, canonical] of [...tfjs, ...keras]) {
      const metric = getMetric(alias);
      expect({ alias, className: metric.className, name: metric.name }).toEqual({ alias, className: getMetric(canonical).className, name: alias });
    }
  });

  it('resolves the optimizer identifiers of tfjs-layers and Keras 3 (any case)', () => {
    // tfjs-layers optimizers.ts › getOptimizer's map (the ones Dendrite has); Keras 3 lower-cases the name.
    const tfjs: [string, string][] = [
      ['Adagrad', 'adagrad'], ['Adam', 'adam'], ['RMSProp', 'rmsprop'], ['SGD', 'sgd'], ['adagrad', 'adagrad'], ['adam', 'adam'],
      ['rmsprop', 'rmsprop'], ['sgd', 'sgd'],
    ];
    const keras: [string, string][] = [['AdamW', 'adamw'], ['RMSprop', 'rmsprop'], ['ADAM', 'adam'], ['adamw', 'adamw']];
    expectSame([...tfjs, ...keras], (name) => getOptimizer(name));
    const model = dn.sequential({ layers: [dn.layers.dense({ units: 1, inputShape: [1] })] });
    model.compile({ loss: 'mse', optimizer: 'RMSProp' });
    expect(model.optimizer?.className).toBe('RMSprop');
  });

  it('resolves the regularizer identifiers of tfjs-layers and Keras 3', () => {
    // tfjs-layers regularizers.ts › REGULARIZER_IDENTIFIER_REGISTRY_SYMBOL_MAP and class name; Keras 3
    // keras/src/regularizers/__init__.py › ALL_OBJECTS_DICT; tf.keras' l1_l2.
    const pairs: [string, string][] = [['l1l2', 'l1l2'], ['L1L2', 'l1l2'], ['L1', 'l1'], ['L2', 'l2'], ['l1', 'l1'], ['l2', 'l2'], ['l1_l2', 'l1l2']];
    expectSame(pairs, (name) => getRegularizer(name));
    expect(identity(deserializeRegularizer({ className: 'l1_l2', config: { l1: 0.5 } }))).toEqual(identity(dn.regularizers.l1l2({ l1: 0.5 })));
  });
});
