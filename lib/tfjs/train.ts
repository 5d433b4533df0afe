/**
 * TensorFlow.js's optimizer factories, `tf.train.*`, with its positional arguments and defaults, as
 * Dendrite's optimizers (`dn.optimizers`). The update rules are Dendrite's (README, "Optimizers"):
 * where they differ from TensorFlow.js's (RMSprop's and Adagrad's epsilon, Adadelta's first step)
 * the README's table says so.
 */
import { optimizers, ValueError } from '../index.js';
import { checkBoolean, checkNumber } from '../validate.js';

type Optional = number | null | undefined;

/** A setting given positionally, or tfjs's default when it is undefined or null (tfjs treats null so). */
function setting(where: string, name: string, value: Optional, fallback: number): number {
  return value === undefined || value === null ? fallback : checkNumber(where, name, value);
}

/** `tf.train.sgd(learningRate)`. */
export function sgd(learningRate: number): optimizers.SGD {
  return optimizers.sgd({ learningRate: checkNumber('train.sgd', 'learningRate', learningRate) });
}

/** `tf.train.momentum(learningRate, momentum, useNesterov = false)`: SGD with momentum. */
export function momentum(learningRate: number, momentum: number, useNesterov = false): optimizers.SGD {
  const where = 'train.momentum';
  return optimizers.sgd({
    learningRate: checkNumber(where, 'learningRate', learningRate),
    momentum: checkNumber(where, 'momentum', momentum),
    nesterov: checkBoolean(where, 'useNesterov', useNesterov),
  });
}

/** `tf.train.adam(learningRate = 0.001, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-7)`. */
export function adam(learningRate?: number, beta1?: number, beta2?: number, epsilon?: Optional): optimizers.Adam {
  const where = 'train.adam';
  return optimizers.adam({
    learningRate: setting(where, 'learningRate', learningRate, 0.001),
    beta1: setting(where, 'beta1', beta1, 0.9),
    beta2: setting(where, 'beta2', beta2, 0.999),
    epsilon: setting(where, 'epsilon', epsilon, 1e-7),
  });
}

/** `tf.train.adamax(learningRate = 0.002, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-7, decay = 0)`; a decay other than 0 is refused. */
export function adamax(learningRate?: number, beta1?: number, beta2?: number, epsilon?: Optional, decay?: number): optimizers.Adamax {
  const where = 'train.adamax';
  if (setting(where, 'decay', decay, 0) !== 0) {
    throw new ValueError(`${where}: decay (a learning rate falling as 1 / (1 + decay * step)) is not supported: pass 0, or give dn.optimizers.adamax a learning-rate schedule`);
  }
  return optimizers.adamax({
    learningRate: setting(where, 'learningRate', learningRate, 0.002),
    beta1: setting(where, 'beta1', beta1, 0.9),
    beta2: setting(where, 'beta2', beta2, 0.999),
    epsilon: setting(where, 'epsilon', epsilon, 1e-7),
  });
}

/** `tf.train.rmsprop(learningRate, decay = 0.9, momentum = 0, epsilon = 1e-7, centered = false)`: tfjs's decay is Keras's rho. */
export function rmsprop(learningRate: number, decay?: number, momentum?: number, epsilon?: Optional, centered = false): optimizers.RMSprop {
  const where = 'train.rmsprop';
  return optimizers.rmsprop({
    learningRate: checkNumber(where, 'learningRate', learningRate),
    rho: setting(where, 'decay', decay, 0.9),
    momentum: setting(where, 'momentum', momentum, 0),
    epsilon: setting(where, 'epsilon', epsilon, 1e-7),
    centered: checkBoolean(where, 'centered', centered),
  });
}

/** `tf.train.adagrad(learningRate, initialAccumulatorValue = 0.1)`. */
export function adagrad(learningRate: number, initialAccumulatorValue?: number): optimizers.Adagrad {
  const where = 'train.adagrad';
  return optimizers.adagrad({
    learningRate: checkNumber(where, 'learningRate', learningRate),
    initialAccumulatorValue: setting(where, 'initialAccumulatorValue', initialAccumulatorValue, 0.1),
  });
}

/** `tf.train.adadelta(learningRate = 0.001, rho = 0.95, epsilon = 1e-7)`. */
export function adadelta(learningRate?: number, rho?: number, epsilon?: Optional): optimizers.Adadelta {
  const where = 'train.adadelta';
  return optimizers.adadelta({
    learningRate: setting(where, 'learningRate', learningRate, 0.001),
    rho: setting(where, 'rho', rho, 0.95),
    epsilon: setting(where, 'epsilon', epsilon, 1e-7),
  });
}
