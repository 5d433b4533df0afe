// onnxruntime-node (CPU execution provider, MLAS kernels): inference only, so it takes part in the GEMM
// and inference workloads (the MLP, a convolution, the LeNet-style CNN). The models are written by lib/onnx.mjs.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import {
  compareRoot, checkConv, checkGemm, checkLenet, convOutputSize, glorotDense, hwioToOihw, lenetWeights, makeRandom, nhwcToNchw,
} from '../lib/common.mjs';
import { convModel, gemmModel, lenetModel, mlpModel } from '../lib/onnx.mjs';

const require = createRequire(join(compareRoot, 'package.json'));

export async function open({ threads, engine }) {
  const ort = require('onnxruntime-node');
  const version = require('onnxruntime-node/package.json').version;
  const sessionOptions = {
    executionProviders: ['cpu'],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  };
  return {
    info: {
      engine,
      version: `onnxruntime-node ${version}`,
      threads,
      notes: ['GEMM: each product is one session.run of a one-node Gemm graph, per-call overhead included'],
    },
    setup: (spec) => setup(ort, sessionOptions, spec),
  };
}

function referenceForward(layers, input) {
  let current = input;
  layers.forEach((layer, index) => {
    const out = new Float64Array(layer.units);
    for (let j = 0; j < layer.units; j++) {
      let sum = layer.bias[j];
      for (let i = 0; i < layer.inputs; i++) sum += current[i] * layer.kernel[i * layer.units + j];
      out[j] = index < layers.length - 1 ? Math.max(sum, 0) : sum;
    }
    current = out;
  });
  const max = Math.max(...current);
  const exps = current.map((v) => Math.exp(v - max));
  const total = exps.reduce((a, b) => a + b, 0);
  return exps.map((v) => v / total);
}

async function setup(ort, sessionOptions, { workload, params }) {
  const random = makeRandom(params.seed ?? 1);
  switch (workload) {
    case 'gemm': {
      const { m, n, k, transA, transB } = params;
      const session = await ort.InferenceSession.create(gemmModel(m, n, k, transA, transB), sessionOptions);
      const aData = random.fill(m * k);
      const bData = random.fill(k * n);
      const feeds = {
        a: new ort.Tensor('float32', aData, transA ? [k, m] : [m, k]),
        b: new ort.Tensor('float32', bData, transB ? [n, k] : [k, n]),
      };
      const first = await session.run(feeds);
      const wrong = checkGemm(first.y.data, aData, bData, m, n, k, transA, transB);
      if (wrong) throw new Error(`wrong GEMM result: ${wrong}`);
      return {
        units: 2 * m * n * k,
        async run(iterations) {
          for (let i = 0; i < iterations; i++) await session.run(feeds);
        },
        close: () => session.release(),
      };
    }
    case 'infer': {
      const { layers: sizes, batch } = params;
      const layers = sizes.slice(1).map((units, i) => glorotDense(random, sizes[i], units));
      const session = await ort.InferenceSession.create(mlpModel(layers, 'softmax'), sessionOptions);
      const input = random.fill(batch * sizes[0], 0, 1);
      const feeds = { x: new ort.Tensor('float32', input, [batch, sizes[0]]) };
      const first = (await session.run(feeds)).y.data;
      const expected = referenceForward(layers, input.subarray(0, sizes[0]));
      const worst = Math.max(...expected.map((v, j) => Math.abs(v - first[j])));
      if (!(worst < 1e-4)) throw new Error(`the ONNX MLP disagrees with the reference forward pass by ${worst}`);
      return {
        units: batch,
        async run(iterations) {
          for (let i = 0; i < iterations; i++) await session.run(feeds);
        },
        close: () => session.release(),
      };
    }
    case 'convForward': {
      const { batch, height, width, inChannels, outChannels, kernel, padding } = params;
      if (padding !== 'same' || kernel % 2 === 0) throw new Error("this peer runs odd kernels with 'same' padding only");
      const outH = convOutputSize(height, kernel, padding), outW = convOutputSize(width, kernel, padding);
      const x = random.fill(batch * height * width * inChannels);
      const filter = random.fill(kernel * kernel * inChannels * outChannels, -0.1, 0.1);
      const session = await ort.InferenceSession.create(
        convModel(params, (kernel - 1) / 2, hwioToOihw(filter, kernel, inChannels, outChannels)), sessionOptions);
      const feeds = { x: new ort.Tensor('float32', nhwcToNchw(x, batch, height, width, inChannels), [batch, inChannels, height, width]) };
      const y = (await session.run(feeds)).y.data;
      const wrong = checkConv((b, i, j, o) => y[((b * outChannels + o) * outH + i) * outW + j], x, filter, params);
      if (wrong) throw new Error(`wrong convolution: ${wrong}`);
      return {
        units: 2 * batch * outH * outW * outChannels * kernel * kernel * inChannels,
        async run(iterations) {
          for (let i = 0; i < iterations; i++) await session.run(feeds);
        },
        close: () => session.release(),
      };
    }
    case 'inferLenet': {
      const { batch } = params;
      const weights = lenetWeights(random);
      const session = await ort.InferenceSession.create(lenetModel(weights, hwioToOihw), sessionOptions);
      const images = random.fill(batch * 28 * 28, 0, 1);
      const feeds = { x: new ort.Tensor('float32', images, [batch, 1, 28, 28]) };
      const wrong = checkLenet((await session.run(feeds)).y.data, weights, images);
      if (wrong) throw new Error(wrong);
      return {
        units: batch,
        async run(iterations) {
          for (let i = 0; i < iterations; i++) await session.run(feeds);
        },
        close: () => session.release(),
      };
    }
    case 'trainMlp':
    case 'trainTiny':
    case 'trainLenet':
    case 'convGradient':
    case 'digits':
    case 'trainRnn':
      return { skip: 'onnxruntime-node runs inference only (no training API)' };
    case 'inferRnn':
      return { skip: 'lib/onnx.mjs writes MLP graphs only (no recurrent model)' };
    case 'trainResidual':
    case 'trainGpt':
      return { skip: 'onnxruntime-node runs inference only (no training API)' };
    case 'inferResidual':
      return { skip: 'lib/onnx.mjs writes MLP graphs only (no Add node)' };
    default:
      return { skip: `no runner for ${workload}` };
  }
}
