/**
 * Dendrite: deep learning for Node.js.
 *
 * ```ts
 * import * as dn from 'dendrite';
 * ```
 */
export * from './errors.js';
export { backendInfo, setNumThreads } from './backend.js';
export type { BackendInfo } from './backend.js';
