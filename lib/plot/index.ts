/**
 * `dn.plot`: pictures as SVG strings (each function returns one), written as `.svg` or `.png` by the
 * `file` option's extension. Deterministic for a given input; Okabe-Ito colours, viridis and a
 * blue-to-vermillion diverging map (all readable with colour-vision deficiencies).
 */
export { trainingCurves } from './training-curves.js';
export type { HistoryLike, TrainingCurvesOptions } from './training-curves.js';
export { decisionBoundary } from './decision-boundary.js';
export type { DecisionBoundaryOptions } from './decision-boundary.js';
export { confusionMatrix } from './confusion-matrix.js';
export type { ConfusionMatrixOptions } from './confusion-matrix.js';
export { attributionMap } from './attribution-map.js';
export type { AttributionMapOptions } from './attribution-map.js';
export { featureImportance } from './feature-importance.js';
export type { FeatureImportanceOptions } from './feature-importance.js';
export { scatter } from './scatter.js';
export type { ScatterOptions } from './scatter.js';
export { histogram } from './histogram.js';
export type { HistogramOptions } from './histogram.js';
export { imageGrid } from './image-grid.js';
export type { ImageGridOptions } from './image-grid.js';
export { save, toPng } from './save.js';
export type { PngOptions } from './save.js';
export type { PictureOptions } from './picture.js';
export { PALETTE } from './svg.js';
