// Compressing the digits MLP: pruning to 80 % and distilling into a quarter-size student.
//
//   npx tsx examples/compress.ts
//
// Trains the digits MLP of the data README (64-128(relu)-10, inputs x/16, Adam 1e-3, batch 32, 50 epochs),
// then makes two smaller models from it and prints, for each against the float32 model, the test accuracy,
// the saved folder's size and the predict latency (batch 1) and throughput (batch 256):
// - pruned: magnitude pruning to 80 % of the kernels' weights while fine-tuning (polynomial schedule),
//   then strip; the zeros are stored compressed;
// - distilled: a 64-32-10 student (a quarter of the parameters) trained by dn.distill from the MLP, beside
//   the same student trained the same way without the teacher.
// - bfloat16: dn.quantize(model, { dtype: 'bfloat16' }): weights and inputs rounded to bf16, float32 sums
//   (vdpbf16ps where the CPU has AVX512_BF16); the same parameters in half the bytes.
//
// In your own code: `import * as dn from 'dendrite'`.
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as dn from '../lib/index.js';

/** Options of {@link runCompress} (the test and bench:quality run it with other settings). */
export interface CompressOptions {
  /** Epochs of the float32 MLP, and of each student. Default 50 (the protocol). */
  epochs?: number;
  /** Epochs of fine-tuning while pruning. Default 10. */
  fineTuneEpochs?: number;
  /** The final sparsity of pruning. Default 0.8. */
  sparsity?: number;
  /** Seed of the weights and the shuffling. Default 0. */
  seed?: number;
  /** Repetitions of each latency and throughput measurement (the median is printed). Default 200. */
  timingRuns?: number;
  /** Where lines go (default console.log). */
  log?: (line: string) => void;
}

/** One row of the table. */
export interface CompressRow {
  name: string;
  parameters: number;
  /** Test accuracy in [0, 1]. */
  accuracy: number;
  /** Bytes of the saved folder (model.json and weights.safetensors). */
  bytes: number;
  /** Median predict latency at batch 1, in microseconds. */
  latencyMicroseconds: number;
  /** Median predict throughput at batch 256, in samples per second. */
  samplesPerSecond: number;
}

export interface CompressResult {
  float32: CompressRow;
  pruned: CompressRow;
  /** dn.quantize(model, { dtype: 'bfloat16' }). */
  bfloat16: CompressRow;
  distilled: CompressRow;
  /** The student trained without the teacher (same seed, epochs and optimizer). */
  undistilled: CompressRow;
  /** The pruned model's kernels' sparsity. */
  sparsity: number;
}

/** The digits MLP with `hidden` units. */
export function digitsMlp(hidden: number): dn.Sequential {
  return dn.sequential({ layers: [
    dn.layers.dense({ units: hidden, activation: 'relu', inputShape: [64], kernelInitializer: 'glorotUniform' }),
    dn.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: 'glorotUniform' }),
  ] });
}

function compileClassifier(model: dn.Model): void {
  model.compile({ optimizer: dn.optimizers.adam(1e-3), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Accuracy and saved size of `model` (timings are filled in by {@link time}). */
async function measure(name: string, model: dn.Sequential, xTest: dn.Tensor, yTest: dn.Tensor, folder: string): Promise<CompressRow> {
  const predicted = model.predict(xTest).argmax(-1).dataSync();
  const labels = yTest.dataSync();
  let correct = 0;
  for (let i = 0; i < labels.length; i++) if (predicted[i] === labels[i]) correct++;
  const directory = join(folder, name);
  await model.save(directory);
  const bytes = readdirSync(directory).reduce((total, file) => total + statSync(join(directory, file)).size, 0);
  return { name, parameters: model.countParams(), accuracy: correct / labels.length, bytes, latencyMicroseconds: 0, samplesPerSecond: 0 };
}

/**
 * Median predict latency (batch 1) and throughput (batch 256) of each model, the models taking turns
 * run by run so that a change in the machine's load falls on all of them alike.
 */
function time(models: readonly dn.Sequential[], rows: CompressRow[], xTest: dn.Tensor, runs: number): void {
  const one = xTest.slice([0, 0], [1, 64]);
  const batch = dn.concat([xTest, xTest], 0).slice([0, 0], [256, 64]);
  const latencies = models.map((): number[] => []);
  const throughputs = models.map((): number[] => []);
  // Warm-up: the first calls compile code and fill the workspaces.
  for (const model of models) for (let i = 0; i < 10; i++) model.predict(i % 2 === 0 ? one : batch);
  for (let run = 0; run < runs; run++) {
    models.forEach((model, k) => {
      let started = performance.now();
      model.predict(one);
      latencies[k].push((performance.now() - started) * 1000);
      started = performance.now();
      model.predict(batch);
      throughputs[k].push(256 / ((performance.now() - started) / 1000));
    });
  }
  rows.forEach((row, k) => {
    row.latencyMicroseconds = median(latencies[k]);
    row.samplesPerSecond = median(throughputs[k]);
  });
}

function table(rows: readonly CompressRow[], base: CompressRow): string[] {
  const header = ['model', 'parameters', 'test accuracy', 'file size', 'latency (batch 1)', 'samples/s (batch 256)'];
  const cells = rows.map((r) => [
    r.name, String(r.parameters), `${(100 * r.accuracy).toFixed(1)} %`,
    `${(r.bytes / 1024).toFixed(1)} KiB (${((100 * r.bytes) / base.bytes).toFixed(0)} %)`,
    `${r.latencyMicroseconds.toFixed(1)} µs (${(r.latencyMicroseconds / base.latencyMicroseconds).toFixed(2)}x)`,
    `${Math.round(r.samplesPerSecond)} (${(r.samplesPerSecond / base.samplesPerSecond).toFixed(2)}x)`,
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...cells.map((row) => row[c].length)));
  const line = (row: string[]): string => `| ${row.map((cell, c) => cell.padEnd(widths[c])).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.map(line)];
}

export async function runCompress(options: CompressOptions = {}): Promise<CompressResult> {
  const { epochs = 50, fineTuneEpochs = 10, sparsity = 0.8, seed = 0, timingRuns = 200, log = console.log } = options;
  const { xTrain, yTrain, xTest, yTest } = dn.datasets.digits();
  const x = xTrain.div(16);
  const xt = xTest.div(16);
  const folder = mkdtempSync(join(tmpdir(), 'dendrite-compress-'));
  try {
    log(`Digits MLP 64-128-10, ${epochs} epochs (${dn.backendInfo().isa} kernels)`);
    dn.seed(seed);
    const teacher = digitsMlp(128);
    compileClassifier(teacher);
    await teacher.fit(x, yTrain, { epochs, batchSize: 32, verbose: 0, seed });
    const float32 = await measure('float32', teacher, xt, yTest, folder);
    const bf16 = dn.quantize(teacher, { dtype: 'bfloat16' });
    const bf16Row = { ...(await measure('bfloat16', bf16, xt, yTest, folder)), parameters: float32.parameters };  // stored as bf16, not trainable weights

    // Pruning: a copy of the trained MLP, fine-tuned while its kernels go from 50 % to `sparsity` zeros.
    const pruned = (await dn.loadModel(join(folder, 'float32'))) as dn.Sequential;
    const steps = fineTuneEpochs * Math.ceil(x.shape[0] / 32);
    dn.pruning.pruneLowMagnitude(pruned, {
      schedule: dn.pruning.polynomialDecay({ initialSparsity: 0.5, finalSparsity: sparsity, beginStep: 0, endStep: Math.max(1, Math.floor(steps * 0.6)), frequency: 10 }),
    });
    compileClassifier(pruned);
    await pruned.fit(x, yTrain, { epochs: fineTuneEpochs, batchSize: 32, verbose: 0, seed, callbacks: [dn.pruning.updatePruningStep()] });
    dn.pruning.strip(pruned);
    const report = dn.pruning.sparsityReport(pruned);
    const prunedRow = await measure(`pruned ${Math.round(sparsity * 100)} %`, pruned, xt, yTest, folder);

    // Distillation: a quarter-size student, with the teacher and (the control) without it.
    dn.seed(seed + 1);
    const student = digitsMlp(32);
    dn.seed(seed + 1);
    const control = digitsMlp(32);
    const distiller = dn.distill({ teacher, student, temperature: 4, alpha: 0.1 });
    distiller.compile({ optimizer: dn.optimizers.adam(1e-3), metrics: ['accuracy'] });
    await distiller.fit(x, yTrain, { epochs, batchSize: 32, verbose: 0, seed });
    compileClassifier(control);
    await control.fit(x, yTrain, { epochs, batchSize: 32, verbose: 0, seed });
    const distilled = await measure('distilled 64-32-10', student, xt, yTest, folder);
    const undistilled = await measure('64-32-10 without teacher', control, xt, yTest, folder);
    time([teacher, bf16, pruned, student, control], [float32, bf16Row, prunedRow, distilled, undistilled], xt, timingRuns);

    for (const line of table([float32, bf16Row, prunedRow, distilled, undistilled], float32)) log(line);
    log(`Pruned kernels: ${(100 * report.sparsity).toFixed(1)} % zeros. Predict timings are medians of ${timingRuns} runs on this machine (pruned kernels still multiply densely).`);
    return { float32, bfloat16: bf16Row, pruned: prunedRow, distilled, undistilled, sparsity: report.sparsity };
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await runCompress();
}
