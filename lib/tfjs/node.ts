/** `tf.node` of `dendrite/tfjs`: TensorBoard event files (`tensorBoard`, `summaryFileWriter`) and image files. */
export { tensorBoard, summaryFileWriter, TensorBoardCallback, SummaryFileWriter } from './tensorboard.js';
export type { TensorBoardCallbackArgs } from './tensorboard.js';
export { decodeImage, decodePng, decodeJpeg, decodeBmp, encodePng, encodeJpeg } from './image.js';
