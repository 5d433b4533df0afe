/**
 * What the layers with a kernel and a bias share (Dense and the convolutions): the activation, the bias
 * switch, the initializers and the regularizers, as options, as checked settings and in getConfig.
 */
import { typeError } from '../validate.js';
import { getInitializer, serializeInitializer, type Initializer, type InitializerConfig } from '../initializers.js';
import { getRegularizer, serializeRegularizer, type Regularizer, type RegularizerConfig } from '../regularizers.js';
import { getActivation, serializeActivation, type Activation, type ActivationIdentifier } from '../activations.js';
import type { LayerOptions } from './layer.js';

/** Options of the layers with a kernel and a bias: {@link dense} and the convolution layers. */
export interface KernelLayerOptions extends LayerOptions {
  /** The activation: a name (`'relu'`, `'softmax'`, ...), an activation object or a function. Default `'linear'`. */
  activation?: ActivationIdentifier;
  /** Whether to add a bias (one per output unit or channel). Default true. */
  useBias?: boolean;
  /** Initializer of the kernel (Dense: `[inputDim, units]`). Default `'glorotUniform'`. */
  kernelInitializer?: string | Initializer | InitializerConfig;
  /** Initializer of the bias. Default `'zeros'`. */
  biasInitializer?: string | Initializer | InitializerConfig;
  /** Penalty on the kernel added to the loss (`dn.regularizers.l2({ l2: 1e-4 })`). */
  kernelRegularizer?: string | Regularizer | RegularizerConfig;
  /** Penalty on the bias added to the loss. */
  biasRegularizer?: string | Regularizer | RegularizerConfig;
  /** Penalty on the layer's output added to the loss (divided by the batch size, as in Keras). */
  activityRegularizer?: string | Regularizer | RegularizerConfig;
}

/** The option names {@link KernelLayerOptions} adds to {@link LayerOptions}'. */
export const KERNEL_LAYER_OPTION_NAMES = [
  'activation', 'useBias', 'kernelInitializer', 'biasInitializer', 'kernelRegularizer', 'biasRegularizer', 'activityRegularizer',
];

/** {@link KernelLayerOptions} once checked, as the layers keep them. */
export interface KernelLayerSettings {
  /** The activation applied to the layer's output (after the bias). */
  readonly activation: Activation;
  /** Whether the layer has a bias. */
  readonly useBias: boolean;
  readonly kernelInitializer: Initializer;
  readonly biasInitializer: Initializer;
  readonly kernelRegularizer: Regularizer | null;
  readonly biasRegularizer: Regularizer | null;
  readonly activityRegularizer: Regularizer | null;
}

/** Checks the kernel-layer options of `where` and fills in Keras' defaults. */
export function resolveKernelOptions(where: string, o: Partial<KernelLayerOptions>): KernelLayerSettings {
  if (o.useBias !== undefined && typeof o.useBias !== 'boolean') typeError(where, 'useBias', 'a boolean', o.useBias);
  return {
    activation: getActivation(o.activation ?? 'linear', where),
    useBias: o.useBias ?? true,
    kernelInitializer: getInitializer(o.kernelInitializer ?? 'glorotUniform'),
    biasInitializer: getInitializer(o.biasInitializer ?? 'zeros'),
    kernelRegularizer: o.kernelRegularizer === undefined ? null : getRegularizer(o.kernelRegularizer),
    biasRegularizer: o.biasRegularizer === undefined ? null : getRegularizer(o.biasRegularizer),
    activityRegularizer: o.activityRegularizer === undefined ? null : getRegularizer(o.activityRegularizer),
  };
}

/** The settings as getConfig writes them (activation, useBias, initializers, regularizers; null when unset). */
export function kernelLayerConfig(s: KernelLayerSettings): Record<string, unknown> {
  return {
    activation: serializeActivation(s.activation),
    useBias: s.useBias,
    kernelInitializer: serializeInitializer(s.kernelInitializer),
    biasInitializer: serializeInitializer(s.biasInitializer),
    kernelRegularizer: s.kernelRegularizer === null ? null : serializeRegularizer(s.kernelRegularizer),
    biasRegularizer: s.biasRegularizer === null ? null : serializeRegularizer(s.biasRegularizer),
    activityRegularizer: s.activityRegularizer === null ? null : serializeRegularizer(s.activityRegularizer),
  };
}
