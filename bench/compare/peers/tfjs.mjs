// TensorFlow.js as a Node user gets it without tfjs-node: the pure-JS "cpu" backend, or the WebAssembly
// backend (XNNPACK, SIMD) with its .wasm files loaded from node_modules.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import {
  accuracy, argmaxRows, compareRoot, checkConv, checkConvGradient, checkGemm, checkLenet, kerasLenet, convOutputSize, glorotDense, lenetWeights, loadDigits, makeRandom, oneHot,
} from '../lib/common.mjs';

const require = createRequire(join(compareRoot, 'package.json'));

export async function open({ threads, engine }) {
  const tf = await import('@tensorflow/tfjs');
  const notes = [];
  let actualThreads = 1;
  if (engine === 'tfjs-wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    wasm.setWasmPaths(join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + '/');
    wasm.setThreadsCount(threads);
    if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend did not initialise');
    await tf.ready();
    actualThreads = wasm.getThreadsCount();
    if (actualThreads !== threads) {
      notes.push(
        `asked for ${threads} threads, runs ${actualThreads}: tfjs-backend-wasm disables its threaded build under Node ` +
          '(flag WASM_HAS_MULTITHREAD_SUPPORT is false when IS_NODE; tfjs issue 3830)',
      );
    }
  } else {
    await tf.setBackend('cpu');
    await tf.ready();
    if (threads !== 1) notes.push('pure JavaScript: one thread whatever the setting');
  }
  const version = require('@tensorflow/tfjs/package.json').version;
  return {
    info: { engine, version: `@tensorflow/tfjs ${version} (${tf.getBackend()} backend)`, threads: actualThreads, notes },
    setup: (spec) => setup(tf, spec),
  };
}

function denseStack(tf, sizes, hiddenActivation, outputActivation, seed) {
  const layers = [];
  for (let i = 1; i < sizes.length; i++) {
    layers.push(
      tf.layers.dense({
        units: sizes[i],
        activation: i === sizes.length - 1 ? outputActivation : hiddenActivation,
        inputShape: i === 1 ? [sizes[0]] : undefined,
        kernelInitializer: tf.initializers.glorotUniform({ seed: seed + i }),
        biasInitializer: 'zeros',
      }),
    );
  }
  return tf.sequential({ layers });
}

/** The residual MLP of the 'graphs' cases, with the functional API: each block adds two Dense layers back onto its input. */
function residualMlp(tf, { input, width, blocks, classes }, seed) {
  let layer = 0;
  const dense = (units, activation) =>
    tf.layers.dense({ units, activation, kernelInitializer: tf.initializers.glorotUniform({ seed: seed + layer++ }), biasInitializer: 'zeros' });
  const x = tf.input({ shape: [input] });
  let h = dense(width, 'relu').apply(x);
  for (let b = 0; b < blocks; b++) h = tf.layers.add().apply([h, dense(width, 'relu').apply(dense(width, 'relu').apply(h))]);
  return tf.model({ inputs: x, outputs: dense(classes, 'softmax').apply(h) });
}

/**
 * The names GPT of the 'train-gpt' case with TF.js ops (tfjs-layers has no multi-head attention or
 * position embedding): embeddings, pre-norm blocks of causal self-attention and a relu feedforward, a
 * final layer norm, logits; Glorot-uniform kernels, zero biases, as the other engines.
 */
function namesGpt(tf, { vocab, context, features, blocks, heads, intermediate }, random) {
  const variables = [];
  const variable = (tensor) => {
    const v = tf.variable(tensor);
    variables.push(v);
    return v;
  };
  const glorot = (fanIn, fanOut) => {
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    return variable(tf.tensor2d(random.fill(fanIn * fanOut, -limit, limit), [fanIn, fanOut]));
  };
  const dense = (inputs, units) => ({ kernel: glorot(inputs, units), bias: variable(tf.zeros([units])) });
  const norm = () => ({ gamma: variable(tf.ones([features])), beta: variable(tf.zeros([features])) });
  const embedding = variable(tf.tensor2d(random.fill(vocab * features, -0.05, 0.05), [vocab, features]));
  const positions = variable(tf.tensor2d(random.fill(context * features, -0.05, 0.05), [context, features]));
  const layers = Array.from({ length: blocks }, () => ({
    norm1: norm(), query: dense(features, features), key: dense(features, features), value: dense(features, features), output: dense(features, features),
    norm2: norm(), hidden: dense(features, intermediate), back: dense(intermediate, features),
  }));
  const finalNorm = norm();
  const head = dense(features, vocab);
  const headDim = features / heads;
  // 0 where a query may attend (keys up to its own step), -1e9 above the diagonal.
  const causal = tf.mul(tf.sub(1, tf.linalg.bandPart(tf.ones([context, context]), -1, 0)), -1e9);
  const layerNorm = (x, { gamma, beta }) => {
    const { mean, variance } = tf.moments(x, -1, true);
    return x.sub(mean).mul(tf.rsqrt(variance.add(1e-5))).mul(gamma).add(beta);
  };
  const apply = (x2d, { kernel, bias }) => tf.matMul(x2d, kernel).add(bias);
  /** Logits [n * context, vocab] for int32 ids [n, context]. */
  const logits = (ids) => {
    const n = ids.shape[0];
    const rows = n * context;
    // The lookup as one-hot rows times the table: the wasm backend has no kernel for gather's gradient
    // (UnsortedSegmentSum), and both backends then run the same computation.
    const lookup = tf.matMul(tf.oneHot(ids.reshape([rows]), vocab).toFloat(), embedding);
    let x = lookup.reshape([n, context, features]).add(positions);
    for (const b of layers) {
      const h = layerNorm(x, b.norm1).reshape([rows, features]);
      const split = (t) => t.reshape([n, context, heads, headDim]).transpose([0, 2, 1, 3]);
      const q = split(apply(h, b.query)), k = split(apply(h, b.key)), v = split(apply(h, b.value));
      const weights = tf.softmax(tf.matMul(q, k, false, true).mul(1 / Math.sqrt(headDim)).add(causal));
      const attended = tf.matMul(weights, v).transpose([0, 2, 1, 3]).reshape([rows, features]);
      x = x.add(apply(attended, b.output).reshape([n, context, features]));
      const f = apply(tf.relu(apply(layerNorm(x, b.norm2).reshape([rows, features]), b.hidden)), b.back);
      x = x.add(f.reshape([n, context, features]));
    }
    return apply(layerNorm(x, finalNorm).reshape([rows, features]), head);
  };
  return { logits, variables, close: () => tf.dispose([...variables, causal]) };
}

/** Times model.predict over x, the whole batch in one pass (TF.js would otherwise split it into passes of 32). */
function predictTask(tf, model, x, batch) {
  return {
    units: batch,
    run(iterations) {
      for (let i = 0; i < iterations; i++) {
        const out = model.predict(x, { batchSize: batch });
        out.dataSync();
        out.dispose();
      }
    },
    close: () => tf.dispose([x, model]),
  };
}

async function setup(tf, { workload, params }) {
  const random = makeRandom(params.seed ?? 1);
  switch (workload) {
    case 'gemm': {
      const { m, n, k, transA, transB } = params;
      const aData = random.fill(m * k);
      const bData = random.fill(k * n);
      const a = tf.tensor2d(aData, transA ? [k, m] : [m, k]);
      const b = tf.tensor2d(bData, transB ? [n, k] : [k, n]);
      const first = tf.matMul(a, b, transA, transB);
      const wrong = checkGemm(first.dataSync(), aData, bData, m, n, k, transA, transB);
      first.dispose();
      if (wrong) throw new Error(`wrong GEMM result: ${wrong}`);
      return {
        units: 2 * m * n * k,
        // Both backends run a kernel when the op is called, so the product is complete on return.
        run(iterations) {
          for (let i = 0; i < iterations; i++) tf.matMul(a, b, transA, transB).dispose();
        },
        close: () => tf.dispose([a, b]),
      };
    }
    case 'trainMlp': {
      const { layers, batch, stepsPerCall } = params;
      const samples = batch * stepsPerCall;
      const model = denseStack(tf, layers, 'relu', 'softmax', 1);
      model.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
      const classes = layers[layers.length - 1];
      const x = tf.tensor2d(random.fill(samples * layers[0]), [samples, layers[0]]);
      const y = tf.tensor2d(oneHot(random.integers(samples, classes), classes), [samples, classes]);
      return {
        units: samples,
        async run(iterations) {
          for (let i = 0; i < iterations; i++) await model.fit(x, y, { batchSize: batch, epochs: 1, shuffle: false, verbose: 0 });
        },
        close: () => tf.dispose([x, y, model]),
      };
    }
    case 'trainTiny': {
      const { layers, batch } = params;
      const model = denseStack(tf, layers, 'relu', 'sigmoid', 1);
      model.compile({ optimizer: tf.train.adam(1e-3), loss: 'binaryCrossentropy' });
      const x = tf.tensor2d(random.fill(batch * layers[0]), [batch, layers[0]]);
      const y = tf.tensor2d(Float32Array.from({ length: batch }, (_, i) => i % 2), [batch, 1]);
      return {
        units: 1,
        async run(iterations) {
          for (let i = 0; i < iterations; i++) await model.trainOnBatch(x, y);
        },
        close: () => tf.dispose([x, y, model]),
      };
    }
    case 'infer': {
      const { layers, batch } = params;
      const model = denseStack(tf, layers, 'relu', 'softmax', 1);
      model.setWeights(
        layers.slice(1).flatMap((units, i) => {
          const dense = glorotDense(random, layers[i], units);
          return [tf.tensor2d(dense.kernel, [dense.inputs, units]), tf.tensor1d(dense.bias)];
        }),
      );
      const x = tf.tensor2d(random.fill(batch * layers[0], 0, 1), [batch, layers[0]]);
      return predictTask(tf, model, x, batch);
    }
    case 'digits': {
      const { epochs, batch, hidden, warmupEpochs } = params;
      const digits = loadDigits();
      const xTrain = tf.tensor2d(digits.train.x, [digits.train.rows, digits.features]);
      const yTrain = tf.tensor2d(oneHot(digits.train.y, digits.classes), [digits.train.rows, digits.classes]);
      const xTest = tf.tensor2d(digits.test.x, [digits.test.rows, digits.features]);
      const train = async (seed, epochCount) => {
        const model = denseStack(tf, [digits.features, hidden, digits.classes], 'relu', 'softmax', seed * 10);
        model.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
        await model.fit(xTrain, yTrain, { batchSize: batch, epochs: epochCount, shuffle: true, verbose: 0 });
        const out = model.predict(xTest);
        const predicted = argmaxRows(out.dataSync(), digits.test.rows, digits.classes);
        tf.dispose([out, model]);
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
        close: () => tf.dispose([xTrain, yTrain, xTest]),
      };
    }
    case 'trainRnn':
    case 'inferRnn': {
      const { cell, seq, batch, hidden, input } = params;
      const steps = workload === 'trainRnn' ? params.stepsPerCall : 1;
      const model = tf.sequential({ layers: [
        tf.layers[cell]({ units: hidden, inputShape: [seq, input] }),
        tf.layers.dense({ units: 1 }),
      ] });
      const x = tf.tensor3d(random.fill(batch * steps * seq * input), [batch * steps, seq, input]);
      if (workload === 'inferRnn') return predictTask(tf, model, x, batch);
      model.compile({ optimizer: tf.train.adam(1e-3), loss: 'meanSquaredError' });
      const y = tf.tensor2d(random.fill(batch * steps, 0, 1), [batch * steps, 1]);
      return {
        units: batch * steps,
        async run(iterations) {
          for (let i = 0; i < iterations; i++) await model.fit(x, y, { batchSize: batch, epochs: 1, shuffle: false, verbose: 0 });
        },
        close: () => tf.dispose([x, y, model]),
      };
    }
    case 'trainGpt': {
      const { vocab, context, batch, stepsPerCall } = params;
      const gpt = namesGpt(tf, params, random);
      const optimizer = tf.train.adam(1e-3);
      const rows = batch * stepsPerCall;
      const x = tf.tensor2d(random.integers(rows * context, vocab), [rows, context], 'int32');
      const y = tf.oneHot(tf.tensor1d(random.integers(rows * context, vocab), 'int32'), vocab);
      return {
        units: rows * context,
        run(iterations) {
          for (let i = 0; i < iterations; i++) {
            for (let step = 0; step < stepsPerCall; step++) {
              tf.tidy(() => {
                const xb = x.slice([step * batch, 0], [batch, context]);
                const yb = y.slice([step * batch * context, 0], [batch * context, vocab]);
                optimizer.minimize(() => tf.losses.softmaxCrossEntropy(yb, gpt.logits(xb)), false, gpt.variables);
              });
            }
          }
        },
        close: () => {
          tf.dispose([x, y]);
          gpt.close();
          optimizer.dispose();
        },
      };
    }
    case 'trainResidual':
    case 'inferResidual': {
      const { input, classes, batch } = params;
      const steps = workload === 'trainResidual' ? params.stepsPerCall : 1;
      const model = residualMlp(tf, params, 1);
      const x = tf.tensor2d(random.fill(batch * steps * input), [batch * steps, input]);
      if (workload === 'inferResidual') return predictTask(tf, model, x, batch);
      model.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
      const y = tf.tensor2d(oneHot(random.integers(batch * steps, classes), classes), [batch * steps, classes]);
      return {
        units: batch * steps,
        async run(iterations) {
          for (let i = 0; i < iterations; i++) await model.fit(x, y, { batchSize: batch, epochs: 1, shuffle: false, verbose: 0 });
        },
        close: () => tf.dispose([x, y, model]),
      };
    }
    case 'convForward':
    case 'convGradient': {
      const { batch, height, width, inChannels, outChannels, kernel, padding } = params;
      const outH = convOutputSize(height, kernel, padding), outW = convOutputSize(width, kernel, padding);
      const xData = random.fill(batch * height * width * inChannels);
      const filterData = random.fill(kernel * kernel * inChannels * outChannels, -0.1, 0.1);
      const x = tf.tensor4d(xData, [batch, height, width, inChannels]);
      const filter = tf.tensor4d(filterData, [kernel, kernel, inChannels, outChannels]);
      const dyData = random.fill(batch * outH * outW * outChannels);
      const dy = tf.tensor4d(dyData, [batch, outH, outW, outChannels]);
      const units = 2 * batch * outH * outW * outChannels * kernel * kernel * inChannels;
      const attributes = { strides: [1, 1], pad: padding, dataFormat: 'NHWC', dimRoundingMode: undefined };
      // The gradients as tfjs' own conv2d gradient computes them: its Conv2DBackpropInput and
      // Conv2DBackpropFilter kernels, each alone.
      const call = workload === 'convForward'
        ? () => tf.conv2d(x, filter, 1, padding)
        : params.pass === 'input'
          ? () => tf.engine().runKernel('Conv2DBackpropInput', { dy, filter }, { ...attributes, inputShape: x.shape })
          : () => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { ...attributes, filterShape: filter.shape });
      let first;
      try {
        first = call();
      } catch (error) {
        tf.dispose([x, filter, dy]);
        return { skip: `${tf.getBackend()} backend: ${error.message}` };
      }
      const y = first.dataSync();
      if (workload === 'convForward') {
        const wrong = checkConv((b, i, j, o) => y[((b * outH + i) * outW + j) * outChannels + o], xData, filterData, params);
        if (wrong) throw new Error(`wrong convolution: ${wrong}`);
      } else {
        const [, d1, d2, d3] = params.pass === 'input' ? x.shape : filter.shape;
        const wrong = checkConvGradient(params.pass, (a, b, c, d) => y[((a * d1 + b) * d2 + c) * d3 + d], xData, filterData, dyData, params);
        if (wrong) throw new Error(`wrong convolution gradient: ${wrong}`);
      }
      first.dispose();
      return {
        units,
        run(iterations) {
          for (let i = 0; i < iterations; i++) {
            const out = call();
            out.dataSync();  // the wasm backend may run asynchronously; a result read is a result computed
            out.dispose();
          }
        },
        close: () => tf.dispose([x, filter, dy]),
      };
    }
    case 'trainLenet':
    case 'inferLenet': {
      const { batch } = params;
      const weights = lenetWeights(random);
      const model = kerasLenet(tf, weights);
      const x = tf.tensor4d(random.fill(batch * 28 * 28, 0, 1), [batch, 28, 28, 1]);
      if (workload === 'inferLenet') {
        const out = model.predict(x, { batchSize: batch });
        const wrong = checkLenet(out.dataSync(), weights, x.dataSync());
        out.dispose();
        if (wrong) throw new Error(wrong);
        return predictTask(tf, model, x, batch);
      }
      model.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
      const y = tf.tensor2d(oneHot(random.integers(batch, 10), 10), [batch, 10]);
      try {
        await model.trainOnBatch(x, y);
      } catch (error) {
        tf.dispose([x, y, model]);
        return { skip: `${tf.getBackend()} backend cannot train this CNN: ${error.message}` };
      }
      return {
        units: batch,
        async run(iterations) {
          for (let i = 0; i < iterations; i++) await model.trainOnBatch(x, y);
        },
        close: () => tf.dispose([x, y, model]),
      };
    }
    default:
      return { skip: `no runner for ${workload}` };
  }
}

