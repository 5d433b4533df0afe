/**
 * `tf.layers` of `dendrite/tfjs`: Dendrite's layer factories, naming an unnamed layer as tfjs does,
 * `<snake_case class>_<Class><n>` (`dense_Dense1`, `conv2d_Conv2D3`, `simple_rnn_SimpleRNN1`) with a
 * count per class, where Dendrite names it `dense_1`. A layer given a `name` keeps it. The names
 * show in `model.summary()` and in weight names (`dense_Dense1/kernel`), as tfjs-written models have.
 */
import { layers as dnLayers } from '../index.js';

/** Functions of `dn.layers` that make no layer (or, as `inputLayer`, one tfjs names otherwise). */
const NOT_FACTORIES = new Set(['deserializeLayer', 'formatLayerShape', 'getLayerClass', 'getMask', 'registerLayer', 'registeredLayers', 'serializeLayer', 'inputLayer']);

const counts = new Map<string, number>();

/** tfjs's `toSnakeCase`. */
function snakeCase(className: string): string {
  const snake = className.replace(/(.)([A-Z][a-z0-9]+)/g, '$1_$2').replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
  return snake.startsWith('_') ? `private${snake}` : snake;
}

/** The next tfjs name for a layer of `className` (tfjs's `toSnakeCase(c) + '_' + getUid(c)`). */
export function tfjsLayerName(className: string): string {
  const count = (counts.get(className) ?? 0) + 1;
  counts.set(className, count);
  return `${snakeCase(className)}_${className}${count}`;
}

type Factory = (...args: unknown[]) => unknown;

/** `factory` giving each layer it makes without a `name` tfjs's name. */
function namedAsTfjs(factory: Factory): Factory {
  let className: string | null = null;
  return (...args: unknown[]) => {
    const [options, ...rest] = args;
    const isOptions = options === undefined || (options !== null && typeof options === 'object' && !Array.isArray(options));
    if (!isOptions || (options as { name?: unknown } | undefined)?.name !== undefined) return factory(...args);
    // The class is learned from the first layer made (which also checks the options); it is then fixed.
    if (className === null) {
      const first = factory(...args) as { className?: unknown };
      if (typeof first?.className !== 'string') return first;
      className = first.className;
    }
    return factory({ ...(options as object | undefined), name: tfjsLayerName(className) }, ...rest);
  };
}

/** Dendrite's `dn.layers`, its factories naming layers as tfjs does. */
export const layers: typeof dnLayers = Object.fromEntries(
  Object.entries(dnLayers).map(([key, value]) => [key, typeof value === 'function' && /^[a-z]/.test(key) && !NOT_FACTORIES.has(key) ? namedAsTfjs(value as Factory) : value]),
) as typeof dnLayers;
