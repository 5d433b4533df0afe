// The workloads of issues 7 and 12 as a list of cases: what each engine runs, how its timing becomes a figure,
// and where a slow peer runs less (each reduction carries the note that the output prints).

const MLP = [784, 256, 128, 10];

/** GEMM products by pure-JS TensorFlow.js above this many flops take seconds each: skipped. */
const TFJS_CPU_MAX_GEMM_FLOPS = { quick: 60e6, full: 2 * 512 ** 3 + 1 };

const rate = (name, scale = 1) => ({ name, kind: 'rate', scale, higherIsBetter: true });
const time = (name, scale) => ({ name, kind: 'time', scale, higherIsBetter: false });

/** A figure from one repetition: work per second for rates, seconds per iteration (scaled) for times. */
export function figure(metric, { seconds, iterations }, units) {
  return metric.kind === 'rate' ? (units * iterations * metric.scale) / seconds : (seconds / iterations) * metric.scale;
}

function gemmCase(id, label, short, m, n, k, transA, transB, mode) {
  const flops = 2 * m * n * k;
  const overrides = {};
  if (flops > TFJS_CPU_MAX_GEMM_FLOPS[mode]) {
    overrides['tfjs-cpu'] = {
      skip: `pure-JS TensorFlow.js runs products of at most ${(TFJS_CPU_MAX_GEMM_FLOPS[mode] / 1e6).toFixed(0)} MFLOP${mode === 'quick' ? ' in a quick run' : ''} (about 0.6 GFLOP/s here: ${(flops / 0.6e9).toFixed(1)} s a product)`,
    };
  }
  return {
    id,
    group: 'gemm',
    label,
    short,
    workload: 'gemm',
    params: { m, n, k, transA, transB },
    metric: rate('GFLOP/s', 1e-9),
    overrides,
  };
}

export function buildCases(mode) {
  const quick = mode === 'quick';
  const squares = quick ? [64, 512] : [32, 64, 128, 256, 512, 1024, 2048];
  const cases = squares.map((n) => gemmCase(`gemm-${n}`, `GEMM ${n}³`, `GEMM ${n}³`, n, n, n, false, false, mode));
  cases.push(
    gemmCase('gemm-mlp-forward', 'GEMM X·W (128×784)·(784×256)', 'GEMM X·W 128×784·784×256', 128, 256, 784, false, false, mode),
    gemmCase(
      'gemm-mlp-xt-dy',
      'GEMM Xᵀ·dY (784×128, X stored 128×784)·(128×256)',
      'GEMM Xᵀ·dY 784×128·128×256',
      784, 256, 128, true, false, mode,
    ),
    gemmCase(
      'gemm-mlp-dy-wt',
      'GEMM dY·Wᵀ (128×256)·(256×784, W stored 784×256)',
      'GEMM dY·Wᵀ 128×256·256×784',
      128, 784, 256, false, true, mode,
    ),
  );
  const stepsPerCall = quick ? 2 : 8;
  cases.push({
    id: 'train-mlp',
    group: 'training',
    label: 'Train 784-256-128-10 MLP, batch 128, Adam',
    short: 'Train MLP 784, samples/s',
    workload: 'trainMlp',
    params: { layers: MLP, batch: 128, stepsPerCall },
    metric: rate('samples/s'),
    overrides: {
      'tfjs-cpu': {
        params: { stepsPerCall: 1 },
        note: `pure-JS TensorFlow.js: fit over 1 batch per call instead of ${stepsPerCall} (about 0.4 s a step)`,
      },
    },
  });
  cases.push({
    id: 'train-tiny',
    group: 'training',
    label: 'Train 2-16-1 model, batch 4 (trainOnBatch)',
    short: 'Train 2-16-1, steps/s',
    workload: 'trainTiny',
    params: { layers: [2, 16, 1], batch: 4 },
    metric: rate('steps/s'),
    overrides: {},
  });
  cases.push({
    id: 'infer-b1',
    group: 'inference',
    label: 'Predict 784 MLP, batch 1 (latency)',
    short: 'Predict MLP 784, batch 1',
    workload: 'infer',
    params: { layers: MLP, batch: 1 },
    metric: time('µs', 1e6),
    overrides: {},
  });
  cases.push({
    id: 'infer-b256',
    group: 'inference',
    label: 'Predict 784 MLP, batch 256',
    short: 'Predict MLP 784, batch 256',
    workload: 'infer',
    params: { layers: MLP, batch: 256 },
    metric: rate('samples/s'),
    overrides: {},
  });
  // Sequence workloads: a recurrent layer over [batch, seq, input] then Dense(1), MSE, Adam 1e-3 (the
  // issue's sizes; a quick run takes smaller ones, since pure-JS TensorFlow.js needs about 12 s a batch there).
  const sequence = quick ? { seq: 8, batch: 16, hidden: 32, input: 8 } : { seq: 32, batch: 64, hidden: 128, input: 32 };
  const shape = `${sequence.seq} steps of ${sequence.input} features, batch ${sequence.batch}`;
  const rnnSteps = quick ? 2 : 4;
  for (const cell of ['lstm', 'gru']) {
    const name = cell.toUpperCase();
    cases.push({
      id: `train-${cell}`,
      group: 'sequences',
      label: `Train ${name}(${sequence.hidden}) over ${shape}, Dense(1), Adam`,
      short: `Train ${name}(${sequence.hidden}), samples/s`,
      workload: 'trainRnn',
      params: { cell, ...sequence, stepsPerCall: rnnSteps },
      metric: rate('samples/s'),
      overrides: {
        'tfjs-cpu': { params: { stepsPerCall: 1 }, note: `pure-JS TensorFlow.js: 1 batch per call instead of ${rnnSteps}` },
      },
    });
  }
  cases.push({
    id: 'infer-lstm',
    group: 'sequences',
    label: `Predict LSTM(${sequence.hidden}) over ${shape}`,
    short: `Predict LSTM(${sequence.hidden}), batch ${sequence.batch}`,
    workload: 'inferRnn',
    params: { cell: 'lstm', ...sequence },
    metric: rate('samples/s'),
    overrides: {},
  });
  // The names GPT of examples/names-gpt.ts (issue 13): token + learned position embeddings of 64 features,
  // 2 pre-norm decoder blocks (causal self-attention, 4 heads; feedforward 128, relu), a final layer norm
  // and a softmax over 29 tokens; 16 steps, batch 32, sparse cross-entropy, Adam 1e-3; random token ids
  // (the speed does not depend on the data), dropout 0 in every engine. Figure: tokens (batch x steps) per s.
  const gpt = { vocab: 29, context: 16, features: 64, blocks: 2, heads: 4, intermediate: 128, batch: 32 };
  const gptSteps = quick ? 2 : 8;
  cases.push({
    id: 'train-gpt',
    group: 'sequences',
    label: `Train the names GPT (${gpt.blocks} pre-norm decoder blocks, ${gpt.features} features, ${gpt.heads} heads, ${gpt.context} steps), batch ${gpt.batch}, Adam`,
    short: 'Train names GPT, tokens/s',
    workload: 'trainGpt',
    params: { ...gpt, stepsPerCall: gptSteps },
    metric: rate('tokens/s'),
    overrides: {
      'tfjs-cpu': { params: { stepsPerCall: 1 }, note: `pure-JS TensorFlow.js: 1 batch per call instead of ${gptSteps}` },
    },
  });
  // Graph models (functional API): a residual MLP, 784 -> Dense(256, relu), then blocks whose two
  // Dense(256, relu) layers are added back onto their input (a skip with add), then Dense(10, softmax).
  // (--quick: width 64 and one block, so that CI's smoke run stays short with pure-JS TensorFlow.js.)
  const residual = { input: 784, width: quick ? 64 : 256, blocks: quick ? 1 : 2, classes: 10 };
  const residualLabel = `residual MLP 784-${residual.width}-[${residual.blocks} × (2 Dense(${residual.width}) + skip)]-10`;
  cases.push({
    id: 'train-residual',
    group: 'graphs',
    label: `Train ${residualLabel}, batch 128, Adam`,
    short: 'Train residual MLP, samples/s',
    workload: 'trainResidual',
    params: { ...residual, batch: 128, stepsPerCall },
    metric: rate('samples/s'),
    overrides: {
      'tfjs-cpu': { params: { stepsPerCall: 1 }, note: `pure-JS TensorFlow.js: fit over 1 batch per call instead of ${stepsPerCall}` },
    },
  });
  cases.push({
    id: 'infer-residual',
    group: 'graphs',
    label: `Predict ${residualLabel}, batch 256`,
    short: 'Predict residual MLP, batch 256',
    workload: 'inferResidual',
    params: { ...residual, batch: 256 },
    metric: rate('samples/s'),
    overrides: {},
  });
  const epochs = quick ? 2 : 50;
  cases.push({
    id: 'digits',
    group: 'digits',
    label: `Digits 64-128-10, batch 32, ${epochs} epochs (training time)`,
    short: `Digits, ${epochs} epochs`,
    workload: 'digits',
    params: { epochs, batch: 32, hidden: 128, warmupEpochs: 1 },
    metric: time('s', 1),
    extraMetric: 'accuracy',
    note: quick ? 'quick run: 2 epochs instead of the protocol\'s 50, so the accuracy is not the protocol\'s' : null,
    overrides: {
      'tfjs-cpu': { skipAbove1Thread: 'pure JavaScript runs one thread: its 1-thread figure stands for it' },
    },
  });
  cases.push(...convCases(quick));
  cases.push(...speechCases(quick));
  cases.push(...speechFeatureCases(quick));
  return cases;
}

/**
 * Speech (issue 20): training the keyword CNN of examples/spoken-digits.ts from raw audio (log-mel features
 * inside the model: centred reflect-padded 200-sample Hann frames every 80 samples, FFT 256, 40 mel bands
 * in dB; batch normalization over the bands; Conv 16-32-64 3×3 'same' relu, max-pool 2 after the first two,
 * global average pooling, dropout 0.2, dense 10 softmax), one second at 8 kHz, batch 32, Adam 1e-3, random
 * audio (the speed does not depend on it); and the CTC loss with its gradient on [32, 200, 29] logits
 * (log-softmax inside; labels of 20-50 of the 28 non-blank classes, the same in every engine).
 */
function speechCases(quick) {
  const notHere = 'no runner: TF.js and onnxruntime have no CTC loss or spectrogram-layer training';
  const peersSkip = { 'tfjs-cpu': { skip: notHere }, 'tfjs-wasm': { skip: notHere }, onnxruntime: { skip: notHere } };
  const keywordSteps = quick ? 1 : 4;
  return [
    {
      id: 'train-keyword-cnn',
      group: 'speech',
      label: 'Train the keyword CNN of examples/spoken-digits.ts (log-mel layer, Conv 16-32-64), 1 s at 8 kHz, batch 32, Adam',
      short: 'Train keyword CNN, samples/s',
      workload: 'trainKeywordCnn',
      params: { batch: 32, samples: 8000, stepsPerCall: keywordSteps },
      metric: rate('samples/s'),
      overrides: peersSkip,
    },
    {
      id: 'ctc-loss',
      group: 'speech',
      label: 'CTC loss + gradient, logits [32, 200, 29], labels 20-50',
      short: 'CTC loss + gradient, sequences/s',
      workload: 'ctcLoss',
      params: { batch: 32, time: 200, classes: 29 },
      metric: rate('sequences/s'),
      overrides: peersSkip,
    },
  ];
}

/**
 * Speech features (issue 20): log-mel features of the isolated spoken-digit clips (8 kHz, 1 s; 25 ms frames every
 * 10 ms, FFT 256 and 40 mel bands as examples/spoken-digits.ts, power, log) against the NumPy rfft pipeline of
 * peers/speech_features.py (run by the Python of the PyTorch peer); and streaming keyword spotting, 1 s windows
 * every 100 ms through the example's model at batch 1 on one core, Dendrite alone (the goal is p99 <= 5 ms).
 */
function speechFeatureCases(quick) {
  const audio = { samples: 8000, sampleRate: 8000 };
  const clips = quick ? 200 : 2000;
  const notNumpy = 'runs only where the peer computes it (the NumPy pipeline is in the PyTorch peer)';
  const dendriteOnly = 'a latency bound for Dendrite alone (issue 20: p99 <= 5 ms a window on one core)';
  return [
    {
      id: 'log-mel',
      group: 'speech',
      label: `Log-mel features of ${clips} spoken-digit clips (1 s at 8 kHz, 25 ms / 10 ms, FFT 256, 40 mel bins) vs NumPy rfft`,
      short: 'Log-mel features, clips/s',
      workload: 'logMel',
      params: { ...audio, clips, batch: 250, frameLength: 200, frameStep: 80, fftLength: 256, melBins: 40, lowerHertz: 20, upperHertz: 4000 },
      metric: rate('clips/s'),
      overrides: { 'tfjs-cpu': { skip: notNumpy }, 'tfjs-wasm': { skip: notNumpy }, onnxruntime: { skip: notNumpy } },
    },
    {
      id: 'kws-stream',
      group: 'speech',
      label: 'Streaming keyword spotting: 1 s windows every 100 ms, the spoken-digits model, predict at batch 1',
      short: 'Keyword spotting, ms a window',
      workload: 'kwsStream',
      params: { ...audio, hop: 800, streamSeconds: 20 },
      metric: time('ms', 1e3),
      extraMetric: 'p99Ms',
      threads: [1],
      overrides: {
        'tfjs-cpu': { skip: dendriteOnly }, 'tfjs-wasm': { skip: dendriteOnly }, onnxruntime: { skip: dendriteOnly },
        pytorch: { skip: dendriteOnly }, 'pytorch-tuned': { skip: dendriteOnly },
      },
    },
  ];
}

/** The labels of the 'ctc-loss' case, the same in every engine: sequence b has 20 + (7b mod 31) labels in 1..classes-1. */
export function ctcLabels(batch, classes) {
  return Array.from({ length: batch }, (_, b) => Array.from({ length: 20 + ((7 * b) % 31) }, (_, i) => 1 + ((13 * b + 7 * i) % (classes - 1))));
}

/**
 * Convolutional networks (issue 12): conv2d 3x3 'same' on [32, 28, 28, 32] -> 64 (NHWC; NCHW for the
 * engines whose convolutions take it), forward and each gradient alone; the LeNet-style network
 * (lib/common.mjs lenetWeights) trained a step at a time at batch 64 (Adam 1e-3, categorical
 * cross-entropy) and run for inference at batch 64.
 */
function convCases(quick) {
  const conv = { batch: quick ? 8 : 32, height: 28, width: 28, inChannels: 32, outChannels: 64, kernel: 3, padding: 'same' };
  const shape = `[${conv.batch}, 28, 28, 32] → 64`;
  const onnxInferenceOnly = { onnxruntime: { skip: 'onnxruntime-node runs inference only (no gradients)' } };
  const oneThread = 'pure JavaScript runs one thread: its 1-thread figure stands for it';
  // tfjs-cpu's Conv2DBackpropFilter ran at about 0.004 GFLOP/s here (a minute per call at batch 8).
  const cpuGradient = {
    input: { skipAbove1Thread: oneThread },
    kernel: { skipAbove1Thread: oneThread, params: { batch: 1 }, note: `pure-JS TensorFlow.js: batch 1 instead of ${conv.batch} (about 0.004 GFLOP/s)` },
  };
  const gradient = (id, pass, label) => ({
    id,
    group: 'conv',
    label: `Conv2D 3×3 ${label} ${shape}`,
    short: `Conv 3×3 ${label}`,
    workload: 'convGradient',
    params: { ...conv, pass },
    metric: rate('GFLOP/s', 1e-9),
    overrides: { ...onnxInferenceOnly, 'tfjs-cpu': cpuGradient[pass] },
  });
  const batch = 64;
  const cpuSlow = { 'tfjs-cpu': { skipAbove1Thread: oneThread } };
  return [
    {
      id: 'conv-forward',
      group: 'conv',
      label: `Conv2D 3×3 'same' forward ${shape}`,
      short: 'Conv 3×3 forward',
      workload: 'convForward',
      params: conv,
      metric: rate('GFLOP/s', 1e-9),
      overrides: cpuSlow,
    },
    gradient('conv-grad-input', 'input', 'gradient wrt input'),
    gradient('conv-grad-kernel', 'kernel', 'gradient wrt kernel'),
    {
      id: 'train-lenet',
      group: 'conv',
      label: `Train LeNet-style CNN, batch ${batch}, Adam (a step per call)`,
      short: 'Train LeNet, samples/s',
      workload: 'trainLenet',
      params: { batch },
      metric: rate('samples/s'),
      overrides: {
        ...onnxInferenceOnly,
        ...cpuSlow,
      },
    },
    {
      id: 'infer-lenet',
      group: 'conv',
      label: `Predict LeNet-style CNN, batch ${batch}`,
      short: 'Predict LeNet, batch 64',
      workload: 'inferLenet',
      params: { batch },
      metric: rate('samples/s'),
      overrides: cpuSlow,
    },
  ];
}

/** The case as one engine runs it: its parameters with that engine's reductions, or why it is skipped. */
export function caseFor(testCase, engine, threads) {
  const override = testCase.overrides[engine] ?? {};
  return {
    skip: override.skip ?? (threads > 1 ? override.skipAbove1Thread : null) ?? null,
    repetitions: override.repetitions ?? null,
    note: override.note ?? null,
    spec: { workload: testCase.workload, params: { ...testCase.params, ...(override.params ?? {}) } },
  };
}
