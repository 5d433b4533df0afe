/**
 * Every other spelling of a built-in's name that Dendrite accepts: the string identifiers of
 * TensorFlow.js (tfjs-layers) and Keras 3 (class names, snake_case function names and their short
 * forms), so code and configs ported from either resolve to the same object. One table per kind of
 * registry, beside the registries (lib/initializers.ts, lib/activations.ts, lib/losses/index.ts,
 * lib/metrics.ts, lib/optimizers/index.ts, lib/regularizers.ts), which hold the canonical
 * (camelCase, TensorFlow.js-style) names. A name neither registered nor listed here is unknown: the
 * registry's error suggests the closest known spelling.
 *
 * Lookups read own properties only, so names of `Object.prototype` ('toString', 'constructor',
 * '__proto__') never resolve.
 */

/** The kinds of registry that accept names. */
export type RegistryKind = 'initializer' | 'activation' | 'loss' | 'metric' | 'optimizer' | 'regularizer';

/** What an alias stands for: a canonical name, or a canonical name with options (tfjs' 'gelu_new'). */
export type AliasTarget = string | { readonly name: string; readonly config: Readonly<Record<string, unknown>> };

// Losses: Keras 3's class names, function names and short forms (keras.losses.ALL_OBJECTS_DICT),
// Keras 2's and tfjs' spellings (tfjs keras_format/loss_config.ts: 'logcosh', 'cosine_proximity',
// 'kullback_leibler_divergence'; tfjs' losses.cosineProximity).
const LOSS_ALIASES: Readonly<Record<string, string>> = {
  mse: 'meanSquaredError', MSE: 'meanSquaredError', mean_squared_error: 'meanSquaredError', MeanSquaredError: 'meanSquaredError',
  mae: 'meanAbsoluteError', MAE: 'meanAbsoluteError', mean_absolute_error: 'meanAbsoluteError', MeanAbsoluteError: 'meanAbsoluteError',
  mape: 'meanAbsolutePercentageError', MAPE: 'meanAbsolutePercentageError',
  mean_absolute_percentage_error: 'meanAbsolutePercentageError', MeanAbsolutePercentageError: 'meanAbsolutePercentageError',
  msle: 'meanSquaredLogarithmicError', MSLE: 'meanSquaredLogarithmicError',
  mean_squared_logarithmic_error: 'meanSquaredLogarithmicError', MeanSquaredLogarithmicError: 'meanSquaredLogarithmicError',
  Huber: 'huber', huber_loss: 'huber',
  bce: 'binaryCrossentropy', BCE: 'binaryCrossentropy', binary_crossentropy: 'binaryCrossentropy', BinaryCrossentropy: 'binaryCrossentropy',
  categorical_crossentropy: 'categoricalCrossentropy', CategoricalCrossentropy: 'categoricalCrossentropy',
  sparse_categorical_crossentropy: 'sparseCategoricalCrossentropy', SparseCategoricalCrossentropy: 'sparseCategoricalCrossentropy',
  Hinge: 'hinge',
  squared_hinge: 'squaredHinge', SquaredHinge: 'squaredHinge',
  categorical_hinge: 'categoricalHinge', CategoricalHinge: 'categoricalHinge',
  logcosh: 'logCosh', log_cosh: 'logCosh', LogCosh: 'logCosh',
  kld: 'kullbackLeiblerDivergence', KLD: 'kullbackLeiblerDivergence', kl_divergence: 'kullbackLeiblerDivergence',
  KLDivergence: 'kullbackLeiblerDivergence', kullback_leibler_divergence: 'kullbackLeiblerDivergence',
  Poisson: 'poisson',
  cosine_similarity: 'cosineSimilarity', CosineSimilarity: 'cosineSimilarity',
  cosineProximity: 'cosineSimilarity', cosine_proximity: 'cosineSimilarity',
};

/** The other spellings of each kind's names, each standing for a canonical name (see the file's comment). */
export const ALIASES: Readonly<Record<RegistryKind, Readonly<Record<string, AliasTarget>>>> = {
  // tfjs identifiers ('leCunNormal') and class names ('LeCunNormal'); Keras 3 class names
  // ('LecunNormal'), their snake_case ('lecun_normal') and its short aliases ('normal', 'zero').
  initializer: {
    Zeros: 'zeros', zero: 'zeros', Ones: 'ones', one: 'ones', Constant: 'constant',
    Identity: 'identity', IdentityInitializer: 'identity',
    RandomNormal: 'randomNormal', random_normal: 'randomNormal', normal: 'randomNormal',
    RandomUniform: 'randomUniform', random_uniform: 'randomUniform', uniform: 'randomUniform',
    TruncatedNormal: 'truncatedNormal', truncated_normal: 'truncatedNormal',
    VarianceScaling: 'varianceScaling', variance_scaling: 'varianceScaling',
    Orthogonal: 'orthogonal', OrthogonalInitializer: 'orthogonal',
    GlorotUniform: 'glorotUniform', glorot_uniform: 'glorotUniform', GlorotNormal: 'glorotNormal', glorot_normal: 'glorotNormal',
    HeUniform: 'heUniform', he_uniform: 'heUniform', HeNormal: 'heNormal', he_normal: 'heNormal',
    LecunNormal: 'lecunNormal', LeCunNormal: 'lecunNormal', leCunNormal: 'lecunNormal', lecun_normal: 'lecunNormal',
    LecunUniform: 'lecunUniform', LeCunUniform: 'lecunUniform', leCunUniform: 'lecunUniform', lecun_uniform: 'lecunUniform',
  },
  // Keras 3's function names (keras.activations.ALL_OBJECTS_DICT, with 'swish' for silu and
  // 'hard_swish' for hard_silu), tfjs' class names ('hardSigmoid'; 'gelu_new': the tanh approximation of
  // gelu; 'Swish', its Keras-format spelling), PyTorch's 'silu'.
  activation: {
    leaky_relu: 'leakyRelu', silu: 'swish', Swish: 'swish', identity: 'linear',
    hard_sigmoid: 'hardSigmoid', hard_swish: 'hardSwish', hard_silu: 'hardSwish', hardSilu: 'hardSwish',
    log_softmax: 'logSoftmax',
    gelu_new: { name: 'gelu', config: { approximate: true } },
  },
  // Keras 3's CTC loss is a loss only (no metric of that name).
  loss: { ...LOSS_ALIASES, CTC: 'ctc' },
  // Every loss is a metric too; Keras 3's metric class names and snake_case
  // (keras.metrics.ALL_OBJECTS_DICT), 'acc' of Keras' and tfjs' compile, tfjs' metric names ('cosine',
  // and 'ce' for the crossentropy chosen from the loss).
  metric: {
    ...LOSS_ALIASES,
    acc: 'accuracy', ACC: 'accuracy', Accuracy: 'accuracy', ce: 'crossentropy',
    binary_accuracy: 'binaryAccuracy', BinaryAccuracy: 'binaryAccuracy',
    categorical_accuracy: 'categoricalAccuracy', CategoricalAccuracy: 'categoricalAccuracy',
    sparse_categorical_accuracy: 'sparseCategoricalAccuracy', SparseCategoricalAccuracy: 'sparseCategoricalAccuracy',
    top_k_categorical_accuracy: 'topKCategoricalAccuracy', TopKCategoricalAccuracy: 'topKCategoricalAccuracy',
    sparse_top_k_categorical_accuracy: 'sparseTopKCategoricalAccuracy', SparseTopKCategoricalAccuracy: 'sparseTopKCategoricalAccuracy',
    Precision: 'precision', Recall: 'recall', AUC: 'auc',
    log_cosh_error: 'logCosh', LogCoshError: 'logCosh',
    cosine: 'cosineSimilarity',
    r2_score: 'r2Score', R2Score: 'r2Score',
  },
  // Keras 3 lower-cases optimizer names, so any case of a canonical name resolves ('SGD', 'RMSProp',
  // 'AdamW'); nothing else to list.
  optimizer: {},
  // Keras 3 and tfjs class names; tf.keras' function name 'l1_l2'.
  regularizer: { L1: 'l1', L2: 'l2', L1L2: 'l1l2', l1_l2: 'l1l2' },
};

/** `table[key]` when `key` is an own property of `table`, else undefined (never an `Object.prototype` member). */
export function ownEntry<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

/**
 * The canonical name `name` stands for in a registry whose canonical names are the own keys of
 * `registry`, with the options the alias implies; undefined for an unknown name.
 */
export function resolveName(
  kind: RegistryKind, name: string, registry: Readonly<Record<string, unknown>>,
): { name: string; config: Readonly<Record<string, unknown>> } | undefined {
  if (Object.hasOwn(registry, name)) return { name, config: {} };
  let target = ownEntry(ALIASES[kind], name);
  if (target === undefined && kind === 'optimizer') {
    const lower = name.toLowerCase();
    if (Object.hasOwn(registry, lower)) target = lower;
  }
  if (target === undefined) return undefined;
  const resolved = typeof target === 'string' ? { name: target, config: {} } : target;
  return Object.hasOwn(registry, resolved.name) ? resolved : undefined;
}

/** The aliases of `kind` that resolve in `registry` (for "did you mean" suggestions and docs). */
export function aliasesOf(kind: RegistryKind, registry: Readonly<Record<string, unknown>>): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [alias, target] of Object.entries(ALIASES[kind])) {
    const name = typeof target === 'string' ? target : target.name;
    if (Object.hasOwn(registry, name)) result[alias] = name;
  }
  return result;
}

/** Every name `kind` accepts in `registry`: the canonical names, then the aliases. */
export function acceptedNames(kind: RegistryKind, registry: Readonly<Record<string, unknown>>): string[] {
  return [...Object.keys(registry), ...Object.keys(aliasesOf(kind, registry))];
}
