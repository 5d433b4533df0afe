// One seeded training run, used by test/server/concurrency.test.ts both on the main thread and in
// worker threads (test/server/train-worker.ts): the same job must give the same bits everywhere.
import * as dn from '../../lib/index.js';

export interface Job {
  /** Seeds the weights, data, dropout and shuffling. */
  seed: number;
  epochs: number;
}

export function jobModel(seed: number): dn.Sequential {
  const model = dn.sequential({ layers: [
    dn.layers.dense({ units: 24, activation: 'relu', inputShape: [10], kernelInitializer: dn.initializers.heNormal({ seed }) }),
    dn.layers.dropout({ rate: 0.25, seed: seed + 1 }),
    dn.layers.dense({ units: 12, activation: 'tanh', kernelInitializer: dn.initializers.glorotUniform({ seed: seed + 2 }) }),
    dn.layers.dense({ units: 4, activation: 'softmax', kernelInitializer: dn.initializers.glorotUniform({ seed: seed + 3 }) }),
  ] });
  model.compile({ optimizer: dn.optimizers.adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  return model;
}

export function jobData(seed: number): { x: dn.Tensor; y: dn.Tensor } {
  return { x: dn.randn([240, 10], { seed: seed + 4 }), y: dn.randint(0, 4, [240], { seed: seed + 5 }) };
}

/** Weights as bit patterns, and the loss per epoch. */
export interface JobResult {
  weights: number[][];
  losses: number[];
}

export function weightBits(model: dn.Sequential): number[][] {
  return model.getWeights().map((w) => Array.from(new Uint32Array(Float32Array.from(w.dataSync()).buffer)));
}

/** Trains a fresh model; `onStep` sees each step (to record how runs interleave). */
export async function runJob(job: Job, onStep?: (step: number) => void): Promise<JobResult> {
  const model = jobModel(job.seed);
  const { x, y } = jobData(job.seed);
  let step = 0;
  const history = await model.fit(x, y, {
    epochs: job.epochs, batchSize: 16, seed: job.seed + 6, verbose: 0,
    callbacks: { onBatchEnd: () => onStep?.(step++) },
  });
  return { weights: weightBits(model), losses: history.history.loss as number[] };
}
