/** `tf.node` of `dendrite/tfjs`: TensorBoard event files (`tensorBoard`, `summaryFileWriter`). */
export { tensorBoard, summaryFileWriter, TensorBoardCallback, SummaryFileWriter } from './tensorboard.js';
export type { TensorBoardCallbackArgs } from './tensorboard.js';
