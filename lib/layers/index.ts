/**
 * Layers: `dn.layers.dense({...})`, `activation`, `dropout`, `flatten`, `reshape`, `inputLayer`,
 * `embedding`, `masking`, the training-only augmentation layers (`timeMasking`, `frequencyMasking`,
 * `gaussianNoise`), the recurrent layers (`simpleRNN`, `lstm`, `gru`) and their wrappers
 * (`bidirectional`, `timeDistributed`), the convolution, pooling, normalization and image reshaping
 * layers, the base {@link Layer} for custom layers, and the registry used to rebuild layers from
 * saved configs.
 */
export { Layer, LayerVariable, Workspace, formatLayerShape, getMask, LAYER_OPTION_NAMES } from './layer.js';
export type { ApplyOptions, CallContext, LayerConfig, LayerOptions, MaskInput, MaskOutput, Shape, ShapeLike } from './layer.js';
export { SymbolicTensor, Node } from './symbolic.js';
export { InputLayer, inputLayer } from './input.js';
export type { InputLayerOptions, InputOptions } from './input.js';
export { registerLayer, getLayerClass, registeredLayers, serializeLayer, deserializeLayer } from './registry.js';
export type { LayerClass } from './registry.js';
export { Dense, dense } from './dense.js';
export type { DenseOptions } from './dense.js';
export type { KernelLayerOptions } from './kernel-options.js';
export { ActivationLayer, activation } from './activation.js';
export type { ActivationLayerOptions } from './activation.js';
export { Dropout, dropout } from './dropout.js';
export type { DropoutOptions } from './dropout.js';
export { Flatten, flatten } from './flatten.js';
export type { FlattenOptions } from './flatten.js';
export { Reshape, reshape } from './reshape.js';
export type { ReshapeOptions } from './reshape.js';
export { Conv1D, conv1d } from './conv/conv1d.js';
export type { Conv1dLayerOptions } from './conv/conv1d.js';
export { Conv2D, conv2d } from './conv/conv2d.js';
export type { Conv2dLayerOptions } from './conv/conv2d.js';
export { Conv2DTranspose, conv2dTranspose } from './conv/conv2d-transpose.js';
export type { Conv2dTransposeLayerOptions } from './conv/conv2d-transpose.js';
export { DepthwiseConv2D, depthwiseConv2d } from './conv/depthwise-conv2d.js';
export type { DepthwiseConv2dLayerOptions } from './conv/depthwise-conv2d.js';
export { SeparableConv2D, separableConv2d } from './conv/separable-conv2d.js';
export type { SeparableConv2dLayerOptions } from './conv/separable-conv2d.js';
export type { BaseConvOptions, LayerDataFormat } from './conv/base-conv.js';
export { MaxPooling1D, maxPooling1d } from './pooling/max-pooling1d.js';
export { MaxPooling2D, maxPooling2d } from './pooling/max-pooling2d.js';
export { AveragePooling1D, averagePooling1d } from './pooling/average-pooling1d.js';
export { AveragePooling2D, averagePooling2d } from './pooling/average-pooling2d.js';
export type { PoolingOptions } from './pooling/base-pooling.js';
export { GlobalAveragePooling1D, globalAveragePooling1d } from './pooling/global-average-pooling1d.js';
export { GlobalAveragePooling2D, globalAveragePooling2d } from './pooling/global-average-pooling2d.js';
export { GlobalMaxPooling1D, globalMaxPooling1d } from './pooling/global-max-pooling1d.js';
export { GlobalMaxPooling2D, globalMaxPooling2d } from './pooling/global-max-pooling2d.js';
export type { GlobalPoolingOptions } from './pooling/base-global-pooling.js';
export { BatchNormalization, batchNormalization } from './normalization/batch-normalization.js';
export type { BatchNormalizationOptions } from './normalization/batch-normalization.js';
export { ZeroPadding2D, zeroPadding2d } from './reshaping/zero-padding2d.js';
export type { ZeroPadding2dOptions } from './reshaping/zero-padding2d.js';
export { UpSampling2D, upSampling2d } from './reshaping/up-sampling2d.js';
export type { UpSampling2dOptions } from './reshaping/up-sampling2d.js';
export { STFTSpectrogram, stftSpectrogram } from './audio/stft-spectrogram.js';
export type { StftSpectrogramOptions, StftMode } from './audio/stft-spectrogram.js';
export { MelSpectrogram, melSpectrogram } from './audio/mel-spectrogram.js';
export type { MelSpectrogramLayerOptions } from './audio/mel-spectrogram.js';
export { SpatialDropout2D, spatialDropout2d } from './spatial-dropout2d.js';
export type { SpatialDropout2dOptions } from './spatial-dropout2d.js';
export { AxisMasking } from './augmentation/axis-masking.js';
export type { AxisMaskingOptions } from './augmentation/axis-masking.js';
export { TimeMasking, timeMasking } from './augmentation/time-masking.js';
export type { TimeMaskingOptions } from './augmentation/time-masking.js';
export { FrequencyMasking, frequencyMasking } from './augmentation/frequency-masking.js';
export type { FrequencyMaskingOptions } from './augmentation/frequency-masking.js';
export { GaussianNoise, gaussianNoise } from './augmentation/gaussian-noise.js';
export type { GaussianNoiseOptions } from './augmentation/gaussian-noise.js';
export {
  Merge, ElementwiseMerge, Add, add, Subtract, subtract, Multiply, multiply, Average, average, Maximum, maximum, Minimum, minimum,
  Concatenate, concatenate, Dot, dot,
} from './merge/index.js';
export type { MergeOptions, ConcatenateOptions, DotOptions } from './merge/index.js';
export { Embedding, embedding } from './embedding.js';
export type { EmbeddingOptions } from './embedding.js';
export { Masking, masking } from './masking.js';
export type { MaskingOptions } from './masking.js';
export { RNN } from './recurrent/rnn.js';
export type { RecurrentApplyOptions, RecurrentLayerOptions } from './recurrent/rnn.js';
export { SimpleRNN, simpleRNN } from './recurrent/simpleRnn.js';
export type { SimpleRNNOptions } from './recurrent/simpleRnn.js';
export { LSTM, lstm } from './recurrent/lstm.js';
export type { LSTMOptions } from './recurrent/lstm.js';
export { GRU, gru } from './recurrent/gru.js';
export type { GRUOptions } from './recurrent/gru.js';
export { Bidirectional, bidirectional } from './bidirectional.js';
export type { BidirectionalOptions, MergeMode } from './bidirectional.js';
export { TimeDistributed, timeDistributed } from './timeDistributed.js';
export type { TimeDistributedOptions } from './timeDistributed.js';
export { LayerNormalization, layerNormalization } from './layerNormalization.js';
export type { LayerNormalizationOptions } from './layerNormalization.js';
export { MultiHeadAttention, multiHeadAttention } from './attention/multiHeadAttention.js';
export type { AttendOptions, MultiHeadAttentionOptions } from './attention/multiHeadAttention.js';
export { PositionEmbedding, positionEmbedding } from './attention/positionEmbedding.js';
export type { PositionEmbeddingOptions } from './attention/positionEmbedding.js';
export { SinePositionEncoding, sinePositionEncoding } from './attention/sinePositionEncoding.js';
export type { SinePositionEncodingOptions } from './attention/sinePositionEncoding.js';
export { TransformerEncoder, transformerEncoder } from './attention/transformerEncoder.js';
export type { TransformerEncoderOptions } from './attention/transformerEncoder.js';
export { TransformerDecoder, transformerDecoder } from './attention/transformerDecoder.js';
export type { TransformerDecoderOptions } from './attention/transformerDecoder.js';
export type { TransformerBlockOptions } from './attention/transformerBlock.js';
