// Dendrite's side of every workload, written against the documented public API (shared DESIGN.md,
// "TypeScript layer"; issue 5): dn.tensor, dn.sequential, dn.layers.dense, model.compile/fit/predict/
// trainOnBatch, and the raw binding's sgemm for the GEMM workload. A workload whose API is not there yet
// is skipped with a note naming what is missing, so this file runs unchanged as the API lands.
//
// Loaded from lib/ (TypeScript, through tsx) when run.mjs finds tsx, else from the built dist/.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { setupSpeechFeatures } from './lib/speech-features.mjs';
import {
  accuracy, argmaxRows, checkConv, checkConvGradient, checkGemm, checkLenet, kerasLenet, convOutputSize, lenetWeights, loadDigits, makeRandom, oneHot, repoRoot,
} from './lib/common.mjs';
import { ctcLabels } from './lib/cases.mjs';

export async function open({ threads, engine }) {
  const source = process.env.DENDRITE_COMPARE_SOURCE === 'lib' ? 'lib' : 'dist';
  const file = (name) => pathToFileURL(join(repoRoot, source, source === 'lib' ? `${name}.ts` : `${name}.js`)).href;
  const dn = await import(file('index'));
  const { binding } = await import(file('native'));
  if (typeof dn.setNumThreads === 'function') dn.setNumThreads(threads);
  else binding.setNumThreads(threads);
  const backend = dn.backendInfo();
  const notes = [];
  if (backend.threads !== threads) notes.push(`asked for ${threads} threads, the pool has ${backend.threads}`);
  if (process.env.DENDRITE_BINARY) notes.push(`binary: ${process.env.DENDRITE_BINARY}`);
  // The repetitions alternate engines, so this process sits idle for seconds while the peers run; the
  // memory cache's idle trim (5 s) would hand its freed blocks back to the system each time and every
  // repetition would start on fresh pages, which no training or inference loop sees. PyTorch's and
  // glibc's allocators keep theirs, so the trim is off here.
  if (typeof dn.setMemoryOptions === 'function') {
    dn.setMemoryOptions({ idleTrimMs: 0 });
    notes.push('memory cache idle trim off (setMemoryOptions({ idleTrimMs: 0 }))');
  }
  return {
    info: {
      engine,
      version: `dendrite ${backend.version} (${backend.isa} kernels; from ${source}/)`,
      threads: backend.threads,
      isa: backend.isa,
      notes,
    },
    probe: (request) => probe(binding, request),
    setup: (spec) => setup(dn, binding, spec),
  };
}

/** The machine's FMA peak and triad bandwidth right now, from the addon's probes (bench binding). */
function probe(binding, { threads, seconds, triadMegabytes }) {
  if (typeof binding.benchFmaPeak !== 'function' || typeof binding.benchTriad !== 'function') {
    return { note: 'the addon has no benchFmaPeak/benchTriad probes' };
  }
  const fma = binding.benchFmaPeak(threads, seconds);
  // Three arrays of triadMegabytes each, well past the last-level cache; 0 skips the triad.
  const triadGBs = triadMegabytes > 0 ? binding.benchTriad(threads, triadMegabytes) : undefined;
  return { isa: fma.isa, fmaGflops: fma.gflops, triadGBs };
}

/** Names of the public API a workload needs that this build does not have yet. */
function missingApi(dn, names) {
  return names.filter((name) => typeof name.split('.').reduce((object, key) => object?.[key], dn) !== 'function');
}

function requireModelMethods(model, methods) {
  const missing = methods.filter((method) => typeof model?.[method] !== 'function');
  return missing.length ? { skip: `Dendrite API not there yet: model.${missing.join(', model.')}` } : null;
}

/** A tensor's values, synchronously (Dendrite's tensors live in Float32Arrays: dataSync is a view). */
function values(tensor) {
  if (tensor instanceof Float32Array) return tensor;
  if (typeof tensor?.dataSync === 'function') return tensor.dataSync();
  if (tensor?.data instanceof Float32Array) return tensor.data;
  throw new Error('cannot read the values of a Dendrite tensor synchronously (no dataSync())');
}

const isPromise = (value) => typeof value?.then === 'function';

function denseStack(dn, sizes, hiddenActivation, outputActivation) {
  const layers = [];
  for (let i = 1; i < sizes.length; i++) {
    const options = {
      units: sizes[i],
      activation: i === sizes.length - 1 ? outputActivation : hiddenActivation,
      kernelInitializer: 'glorotUniform',
      biasInitializer: 'zeros',
    };
    if (i === 1) options.inputShape = [sizes[0]];
    layers.push(dn.layers.dense(options));
  }
  return dn.sequential({ layers });
}

const MODEL_API = ['tensor', 'sequential', 'layers.dense'];

/** The residual MLP of the 'graphs' cases, with the functional API: each block adds two Dense layers back onto its input. */
function residualMlp(dn, { input, width, blocks, classes }) {
  const dense = (units, activation) => dn.layers.dense({ units, activation, kernelInitializer: 'glorotUniform', biasInitializer: 'zeros' });
  const x = dn.input({ shape: [input] });
  let h = dense(width, 'relu').apply(x);
  for (let b = 0; b < blocks; b++) h = dn.layers.add().apply([h, dense(width, 'relu').apply(dense(width, 'relu').apply(h))]);
  return dn.model({ inputs: x, outputs: dense(classes, 'softmax').apply(h) });
}

/** The names GPT of the 'train-gpt' case (examples/names-gpt.ts without dropout), with the functional API. */
function namesGpt(dn, { vocab, context, features, blocks, heads, intermediate }) {
  const tokens = dn.input({ shape: [context], dtype: 'int32' });
  const embedded = dn.layers.embedding({ inputDim: vocab, outputDim: features }).apply(tokens);
  let x = dn.layers.add().apply([embedded, dn.layers.positionEmbedding({ sequenceLength: context }).apply(embedded)]);
  for (let i = 0; i < blocks; i++) x = dn.layers.transformerDecoder({ intermediateDim: intermediate, numHeads: heads, normalizeFirst: true }).apply(x);
  x = dn.layers.layerNormalization({ epsilon: 1e-5 }).apply(x);
  return dn.model({ inputs: tokens, outputs: dn.layers.dense({ units: vocab, activation: 'softmax' }).apply(x) });
}

/** Adam with learning rate 1e-3 as an object where dn.optimizers.adam exists, else by name (Keras default 1e-3). */
const adam = (dn) => (typeof dn.optimizers?.adam === 'function' ? dn.optimizers.adam({ learningRate: 1e-3 }) : 'adam');

async function setup(dn, binding, { workload, params }) {
  const random = makeRandom(params.seed ?? 1);
  switch (workload) {
    case 'gemm': {
      if (typeof binding.sgemm !== 'function') return { skip: 'the binding has no sgemm yet' };
      const { m, n, k, transA, transB } = params;
      const a = random.fill(m * k);
      const b = random.fill(k * n);
      const c = new Float32Array(m * n);
      const linear = binding.opCodes?.unary?.linear ?? 0;
      const lda = transA ? m : k;
      const ldb = transB ? k : n;
      const product = () => binding.sgemm(transA, transB, m, n, k, 1, a, lda, b, ldb, 0, c, n, null, linear, 0, 1, 0, 0, 0);
      try {
        product();
      } catch (error) {
        return { skip: `sgemm is not usable yet: ${error.message}` };
      }
      const wrong = checkGemm(c, a, b, m, n, k, transA, transB);
      if (wrong) throw new Error(`wrong GEMM result: ${wrong}`);
      return {
        units: 2 * m * n * k,
        run(iterations) {
          for (let i = 0; i < iterations; i++) product();
        },
      };
    }
    case 'trainMlp': {
      const missing = missingApi(dn, MODEL_API);
      if (missing.length) return { skip: `Dendrite API not there yet: dn.${missing.join(', dn.')}` };
      const { layers, batch, stepsPerCall } = params;
      const samples = batch * stepsPerCall;
      const model = denseStack(dn, layers, 'relu', 'softmax');
      const lacking = requireModelMethods(model, ['compile', 'fit']);
      if (lacking) return lacking;
      model.compile({ optimizer: adam(dn), loss: 'categoricalCrossentropy' });
      const classes = layers[layers.length - 1];
      const x = dn.tensor(random.fill(samples * layers[0]), [samples, layers[0]]);
      const y = dn.tensor(oneHot(random.integers(samples, classes), classes), [samples, classes]);
      return {
        units: samples,
        async run(iterations) {
          for (let i = 0; i < iterations; i++) await model.fit(x, y, { batchSize: batch, epochs: 1, shuffle: false, verbose: 0 });
        },
      };
    }
    case 'trainTiny': {
      const missing = missingApi(dn, MODEL_API);
      if (missing.length) return { skip: `Dendrite API not there yet: dn.${missing.join(', dn.')}` };
      const { layers, batch } = params;
      const model = denseStack(dn, layers, 'relu', 'sigmoid');
      const lacking = requireModelMethods(model, ['compile', 'trainOnBatch']);
      if (lacking) return lacking;
      model.compile({ optimizer: adam(dn), loss: 'binaryCrossentropy' });
      const x = dn.tensor(random.fill(batch * layers[0]), [batch, layers[0]]);
      const y = dn.tensor(Float32Array.from({ length: batch }, (_, i) => i % 2), [batch, 1]);
      // Dendrite's trainOnBatch is synchronous; awaiting a plain value would add a microtask per step.
      if (isPromise(model.trainOnBatch(x, y))) {
        return {
          units: 1,
          async run(iterations) {
            for (let i = 0; i < iterations; i++) await model.trainOnBatch(x, y);
          },
        };
      }
      return {
        units: 1,
        run(iterations) {
          for (let i = 0; i < iterations; i++) model.trainOnBatch(x, y);
        },
      };
    }
    case 'infer': {
      const missing = missingApi(dn, MODEL_API);
      if (missing.length) return { skip: `Dendrite API not there yet: dn.${missing.join(', dn.')}` };
      const { layers, batch } = params;
      const model = denseStack(dn, layers, 'relu', 'softmax');
      const lacking = requireModelMethods(model, ['predict']);
      if (lacking) return lacking;
      const x = dn.tensor(random.fill(batch * layers[0], 0, 1), [batch, layers[0]]);
      const first = values(model.predict(x));
      if (first.length !== batch * layers[layers.length - 1]) throw new Error(`predict returned ${first.length} values`);
      return {
        units: batch,
        run(iterations) {
          // predict is synchronous: the output is computed when it returns; reading it mirrors what the peers do.
          for (let i = 0; i < iterations; i++) values(model.predict(x));
        },
      };
    }
    case 'digits': {
      const missing = missingApi(dn, MODEL_API);
      if (missing.length) return { skip: `Dendrite API not there yet: dn.${missing.join(', dn.')}` };
      const { epochs, batch, hidden, warmupEpochs } = params;
      const digits = loadDigits();
      const xTrain = dn.tensor(digits.train.x, [digits.train.rows, digits.features]);
      const yTrain = dn.tensor(oneHot(digits.train.y, digits.classes), [digits.train.rows, digits.classes]);
      const xTest = dn.tensor(digits.test.x, [digits.test.rows, digits.features]);
      const probeModel = denseStack(dn, [digits.features, hidden, digits.classes], 'relu', 'softmax');
      const lacking = requireModelMethods(probeModel, ['compile', 'fit', 'predict']);
      if (lacking) return lacking;
      const train = async (seed, epochCount) => {
        // Seeds the weights and the shuffling, where the API offers it.
        if (typeof dn.seed === 'function') dn.seed(seed);
        const model = denseStack(dn, [digits.features, hidden, digits.classes], 'relu', 'softmax');
        model.compile({ optimizer: adam(dn), loss: 'categoricalCrossentropy' });
        await model.fit(xTrain, yTrain, { batchSize: batch, epochs: epochCount, shuffle: true, verbose: 0 });
        const predicted = argmaxRows(values(model.predict(xTest)), digits.test.rows, digits.classes);
        return accuracy(predicted, digits.test.y);
      };
      return {
        units: 1,
        async warmup() {
          await train(999, warmupEpochs);
          return warmupEpochs / epochs;
        },
        async run(iterations, repetition) {
          let last = 0;
          for (let i = 0; i < iterations; i++) last = await train(1 + repetition, epochs);
          return { accuracy: last };
        },
      };
    }
    case 'trainRnn':
    case 'inferRnn': {
      const missing = missingApi(dn, [...MODEL_API, `layers.${params.cell}`]);
      if (missing.length) return { skip: `Dendrite API not there yet: dn.${missing.join(', dn.')}` };
      const { cell, seq, batch, hidden, input } = params;
      const steps = workload === 'trainRnn' ? params.stepsPerCall : 1;
      const model = dn.sequential({ layers: [
        dn.layers[cell]({ units: hidden, inputShape: [seq, input] }),
        dn.layers.dense({ units: 1 }),
      ] });
      const x = dn.tensor(random.fill(batch * steps * seq * input), [batch * steps, seq, input]);
      if (workload === 'inferRnn') {
        if (values(model.predict(x)).length !== batch) throw new Error('predict returned the wrong number of values');
        return {
          units: batch,
          run(iterations) {
            for (let i = 0; i < iterations; i++) values(model.predict(x));
          },
        };
      }
      model.compile({ optimizer: adam(dn), loss: 'meanSquaredError' });
      const y = dn.tensor(random.fill(batch * steps, 0, 1), [batch * steps, 1]);
      return {
        units: batch * steps,
        async run(iterations) {
          for (let i = 0; i < iterations; i++) await model.fit(x, y, { batchSize: batch, epochs: 1, shuffle: false, verbose: 0 });
        },
      };
    }
    case 'trainGpt': {
      const missing = missingApi(dn, [...MODEL_API, 'input', 'model', 'layers.add', 'layers.embedding', 'layers.positionEmbedding', 'layers.transformerDecoder']);
      if (missing.length) return { skip: `Dendrite API not there yet: dn.${missing.join(', dn.')}` };
      const { vocab, context, batch, stepsPerCall } = params;
      const model = namesGpt(dn, params);
      model.compile({ optimizer: adam(dn), loss: 'sparseCategoricalCrossentropy' });
      const rows = batch * stepsPerCall;
      const x = dn.tensor(random.integers(rows * context, vocab), [rows, context], 'int32');
      const y = dn.tensor(random.integers(rows * context, vocab), [rows, context], 'int32');
      return {
        units: rows * context,
        async run(iterations) {
          for (let i = 0; i < iterations; i++) await model.fit(x, y, { batchSize: batch, epochs: 1, shuffle: false, verbose: 0 });
        },
      };
    }
    case 'trainResidual':
    case 'inferResidual': {
      const missing = missingApi(dn, [...MODEL_API, 'input', 'model', 'layers.add']);
      if (missing.length) return { skip: `Dendrite API not there yet: dn.${missing.join(', dn.')}` };
      const { input, classes, batch } = params;
      const steps = workload === 'trainResidual' ? params.stepsPerCall : 1;
      const model = residualMlp(dn, params);
      const x = dn.tensor(random.fill(batch * steps * input), [batch * steps, input]);
      if (workload === 'inferResidual') {
        if (values(model.predict(x)).length !== batch * classes) throw new Error('predict returned the wrong number of values');
        return {
          units: batch,
          run(iterations) {
            for (let i = 0; i < iterations; i++) values(model.predict(x));
          },
        };
      }
      model.compile({ optimizer: adam(dn), loss: 'categoricalCrossentropy' });
      const y = dn.tensor(oneHot(random.integers(batch * steps, classes), classes), [batch * steps, classes]);
      return {
        units: batch * steps,
        async run(iterations) {
          for (let i = 0; i < iterations; i++) await model.fit(x, y, { batchSize: batch, epochs: 1, shuffle: false, verbose: 0 });
        },
      };
    }
    case 'logMel':
    case 'kwsStream':
      return setupSpeechFeatures(dn, workload, params);
    case 'convForward':
    case 'convGradient':
      return setupConv(dn, binding, workload, params, random);
    case 'trainLenet':
    case 'inferLenet': {
      const missing = missingApi(dn, [...MODEL_API, 'layers.conv2d', 'layers.maxPooling2d', 'layers.flatten']);
      if (missing.length) return { skip: `Dendrite API not there yet: dn.${missing.join(', dn.')}` };
      const { batch } = params;
      const weights = lenetWeights(random);
      const model = kerasLenet(dn, weights);
      const x = dn.tensor(random.fill(batch * 28 * 28, 0, 1), [batch, 28, 28, 1]);
      if (workload === 'inferLenet') {
        const wrong = checkLenet(values(model.predict(x)), weights, values(x));
        if (wrong) throw new Error(wrong);
        return {
          units: batch,
          run(iterations) {
            for (let i = 0; i < iterations; i++) values(model.predict(x));
          },
        };
      }
      model.compile({ optimizer: adam(dn), loss: 'categoricalCrossentropy' });
      const y = dn.tensor(oneHot(random.integers(batch, 10), 10), [batch, 10]);
      return {
        units: batch,
        run(iterations) {
          for (let i = 0; i < iterations; i++) model.trainOnBatch(x, y);
        },
      };
    }
    case 'trainKeywordCnn':
    case 'ctcLoss':
      return setupSpeech(dn, workload, params, random);
    default:
      return { skip: `no runner for ${workload}` };
  }
}

/** The 'speech' cases: the keyword CNN of examples/spoken-digits.ts trained with fit, and dn.ctcLoss with backward. */
function setupSpeech(dn, workload, params, random) {
  if (workload === 'ctcLoss') {
    const missing = missingApi(dn, ['ctcLoss', 'tensor']);
    if (missing.length) return { skip: `Dendrite API not there yet: dn.${missing.join(', dn.')}` };
    const { batch, time, classes } = params;
    const labels = ctcLabels(batch, classes);
    const logits = dn.tensor(random.fill(batch * time * classes, -2, 2), { shape: [batch, time, classes], requiresGrad: true });
    const step = () => {
      logits.grad = null;
      const loss = dn.ctcLoss(logits, labels);
      loss.backward();
      return loss;
    };
    const loss = step().item();
    // Each step's gradient is softmax minus the alignments' posterior: its classes sum to 0 (/ label length, / batch).
    const grad = values(logits.grad);
    let worst = 0;
    for (let row = 0; row < batch * time; row++) {
      let sum = 0;
      for (let c = 0; c < classes; c++) sum += grad[row * classes + c];
      worst = Math.max(worst, Math.abs(sum));
    }
    if (!Number.isFinite(loss) || worst > 1e-6) throw new Error(`wrong CTC result: loss ${loss}, a gradient row sums to ${worst}`);
    return {
      units: batch,
      run(iterations) {
        for (let i = 0; i < iterations; i++) step();
      },
    };
  }
  const missing = missingApi(dn, [...MODEL_API, 'layers.melSpectrogram', 'layers.conv2d', 'layers.batchNormalization']);
  if (missing.length) return { skip: `Dendrite API not there yet: dn.${missing.join(', dn.')}` };
  const { batch, samples, stepsPerCall } = params;
  const model = dn.sequential({ layers: [
    dn.layers.melSpectrogram({ samplingRate: 8000, fftLength: 256, sequenceLength: 200, sequenceStride: 80, numMelBins: 40, inputShape: [samples] }),
    dn.layers.batchNormalization({ axis: 1 }),
    dn.layers.reshape({ targetShape: [40, 1 + samples / 80, 1] }),
    dn.layers.conv2d({ filters: 16, kernelSize: 3, activation: 'relu', padding: 'same' }),
    dn.layers.maxPooling2d({ poolSize: 2 }),
    dn.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', padding: 'same' }),
    dn.layers.maxPooling2d({ poolSize: 2 }),
    dn.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu', padding: 'same' }),
    dn.layers.globalAveragePooling2d(),
    dn.layers.dropout({ rate: 0.2 }),
    dn.layers.dense({ units: 10, activation: 'softmax' }),
  ] });
  model.compile({ optimizer: adam(dn), loss: 'sparseCategoricalCrossentropy' });
  const rows = batch * stepsPerCall;
  const x = dn.tensor(random.fill(rows * samples, -0.5, 0.5), [rows, samples]);
  const y = dn.tensor(random.integers(rows, 10), [rows], 'int32');
  return {
    units: rows,
    async run(iterations) {
      for (let i = 0; i < iterations; i++) await model.fit(x, y, { batchSize: batch, epochs: 1, shuffle: false, verbose: 0 });
    },
  };
}


/**
 * conv2d 3x3, forward and each gradient alone, as a training step calls them: the binding's conv2d,
 * conv2dBackwardData and conv2dBackwardFilter kernels into reused buffers (Conv2D layers keep theirs in a
 * workspace). The public op dn.conv2d is checked to give the same convolution, but not timed: it
 * allocates its output per call, and a fresh 1.6-6 MiB block from the system costs more page faults
 * than the convolution on this machine until the garbage collector has handed blocks back to the
 * memory cache, which the alternating repetitions of this bench never let settle.
 */
function setupConv(dn, binding, workload, params, random) {
  const { batch, height, width, inChannels, outChannels, kernel, padding } = params;
  if (typeof binding.conv2d !== 'function' || typeof dn.conv2d !== 'function') return { skip: 'Dendrite API not there yet: dn.conv2d' };
  const outH = convOutputSize(height, kernel, padding), outW = convOutputSize(width, kernel, padding);
  const x = random.fill(batch * height * width * inChannels);
  const filter = random.fill(kernel * kernel * inChannels * outChannels, -0.1, 0.1);
  const units = 2 * batch * outH * outW * outChannels * kernel * kernel * inChannels;
  const before = (size, out) => Math.floor((out - 1 + kernel - size) / 2);
  const padH = Math.max(0, outH - 1 + kernel - height), padW = Math.max(0, outW - 1 + kernel - width);
  const geometry = Int32Array.of(
    batch, height, width, inChannels, outH, outW, outChannels, kernel, kernel, 1, 1, 1, 1,
    before(height, outH), padH - before(height, outH), before(width, outW), padW - before(width, outW), 1,
  );
  const linear = binding.opCodes.unary.linear;
  if (workload === 'convForward') {
    const y = new Float32Array(batch * outH * outW * outChannels);
    const step = () => binding.conv2d(geometry, x, filter, y, null, null, null, linear, 0);
    step();
    const op = values(dn.conv2d(dn.tensor(x, [batch, height, width, inChannels]), dn.tensor(filter, [kernel, kernel, inChannels, outChannels]), { padding }));
    for (const [name, result] of [['conv2d kernel', y], ['dn.conv2d', op]]) {
      const wrong = checkConv((b, i, j, o) => result[((b * outH + i) * outW + j) * outChannels + o], x, filter, params);
      if (wrong) throw new Error(`wrong convolution (${name}): ${wrong}`);
    }
    return {
      units,
      run(iterations) {
        for (let i = 0; i < iterations; i++) step();
      },
    };
  }
  const dy = random.fill(batch * outH * outW * outChannels);
  const dx = new Float32Array(x.length);
  const dfilter = new Float32Array(filter.length);
  const step = params.pass === 'input'
    ? () => binding.conv2dBackwardData(geometry, dy, filter, dx, null, null, null, linear, 0)
    : () => binding.conv2dBackwardFilter(geometry, x, dy, dfilter, false);
  step();
  const gradient = params.pass === 'input' ? dx : dfilter;
  const channels = params.pass === 'input' ? [height, width, inChannels] : [kernel, inChannels, outChannels];
  const wrong = checkConvGradient(params.pass, (a, b, c, d) => gradient[((a * channels[0] + b) * channels[1] + c) * channels[2] + d], x, filter, dy, params);
  if (wrong) throw new Error(`wrong convolution gradient: ${wrong}`);
  return {
    units,
    run(iterations) {
      for (let i = 0; i < iterations; i++) step();
    },
  };
}
