// onnxruntime-node (CPU execution provider, MLAS kernels): inference only, so it takes part in the GEMM
// and inference workloads. The models are written by lib/onnx.mjs.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { compareRoot, checkGemm, glorotDense, makeRandom } from '../lib/common.mjs';
import { gemmModel, mlpModel } from '../lib/onnx.mjs';

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
    case 'trainMlp':
    case 'trainTiny':
    case 'digits':
    case 'trainRnn':
      return { skip: 'onnxruntime-node runs inference only (no training API)' };
    case 'inferRnn':
      return { skip: 'lib/onnx.mjs writes MLP graphs only (no recurrent model)' };
    case 'trainResidual':
      return { skip: 'onnxruntime-node runs inference only (no training API)' };
    case 'inferResidual':
      return { skip: 'lib/onnx.mjs writes MLP graphs only (no Add node)' };
    default:
      return { skip: `no runner for ${workload}` };
  }
}
