/**
 * Streaming benchmark: `npm run bench:dataset` (`-- --size-gb 0.2` for a smaller file, `--keep` to
 * keep it, `--no-write` to leave bench/results/dataset.json alone).
 *
 * Generates a CSV file of about 2 GB in a temporary folder (16 features, a binary label from a
 * known logistic model), then trains a 16-32-1 MLP on it for one epoch through
 * `dn.data.csv(...).map(...).shuffle(10000).batch(512).prefetch(4)`, and samples the process's RSS
 * and V8 heap every second. Target: flat RSS — the memory held does not grow with the rows read
 * (the file is far larger than what the process ever holds). Prints the RSS over time, the growth
 * from the end of the warm-up (the first 10 % of the rows) to the end, rows/s and MB/s, and the
 * machine probe (FMA peak, load average) before and after. The file is deleted at the end.
 */
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import * as dn from '../lib/index.js';
import { binding } from '../lib/native.js';

const argument = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i < 0 ? undefined : process.argv[i + 1];
};
const sizeGb = Number(argument('--size-gb') ?? 2);
if (!(sizeGb > 0)) throw new Error(`--size-gb must be a positive number, got ${argument('--size-gb')}`);
const keep = process.argv.includes('--keep');
const write = !process.argv.includes('--no-write');
const FEATURES = 16;
const KNOWN_FMA_PER_CORE = 174;
const startedAt = Date.now();

interface Probe { fmaGflops: number; load1: number }
function probe(): Probe {
  return { fmaGflops: binding.benchFmaPeak(1, 0.25).gflops, load1: loadavg()[0] };
}
const mb = (bytes: number): number => bytes / 2 ** 20;

// --- the file ---------------------------------------------------------------------------------

/** Writes rows until the file reaches `bytes`; the label is 1 when a fixed linear score plus noise is positive. */
function generate(path: string, bytes: number): { rows: number; seconds: number } {
  const start = performance.now();
  const generator = new dn.Generator(1);
  const truth = Array.from({ length: FEATURES }, () => generator.normal());
  const fd = openSync(path, 'w');
  let written = 0;
  let rows = 0;
  try {
    const header = `${Array.from({ length: FEATURES }, (_, j) => `f${j}`).join(',')},label\n`;
    written += writeSync(fd, header);
    const fields = new Array<string>(FEATURES + 1);
    while (written < bytes) {
      const lines: string[] = [];
      for (let i = 0; i < 20000; i++) {
        let score = 0;
        for (let j = 0; j < FEATURES; j++) {
          const value = generator.normal();
          score += truth[j] * value;
          fields[j] = value.toFixed(5);
        }
        fields[FEATURES] = score + generator.normal() > 0 ? '1' : '0';
        lines.push(fields.join(','));
      }
      rows += lines.length;
      written += writeSync(fd, `${lines.join('\n')}\n`);
    }
  } finally {
    closeSync(fd);
  }
  return { rows, seconds: (performance.now() - start) / 1000 };
}

// --- training through the stream ----------------------------------------------------------------

interface Sample { seconds: number; rows: number; rssMB: number; heapUsedMB: number; externalMB: number }

const folder = mkdtempSync(join(tmpdir(), 'dendrite-bench-dataset-'));
const path = join(folder, 'big.csv');
const before = probe();
console.log(`Dendrite ${dn.backendInfo().version}, ISA ${dn.backendInfo().isa}; writing a ${sizeGb} GB CSV to ${path} ...`);
const generated = generate(path, sizeGb * 2 ** 30);
const fileBytes = statSync(path).size;
console.log(`  ${generated.rows.toLocaleString('en-US')} rows, ${mb(fileBytes).toFixed(0)} MB in ${generated.seconds.toFixed(0)} s`);

const model = dn.sequential({
  layers: [
    dn.layers.dense({ units: 32, activation: 'relu', inputShape: [FEATURES], kernelInitializer: dn.initializers.heNormal({ seed: 1 }) }),
    dn.layers.dense({ units: 1, activation: 'sigmoid', kernelInitializer: dn.initializers.glorotUniform({ seed: 2 }) }),
  ],
});
model.compile({ optimizer: dn.optimizers.adam(1e-3), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
const rows = dn.data
  .csv(path, { label: 'label', labelDtype: 'float32' })
  .map(({ xs, ys }) => ({ xs, ys: ys.reshape([1]) }))
  .shuffle(10_000, { seed: 1 })
  .batch(512)
  .prefetch(4);

const samples: Sample[] = [];
let rowsRead = 0;
const trainStart = performance.now();
const sample = (): void => {
  const m = process.memoryUsage();
  samples.push({ seconds: (performance.now() - trainStart) / 1000, rows: rowsRead, rssMB: mb(m.rss), heapUsedMB: mb(m.heapUsed), externalMB: mb(m.external) });
};
sample();
const timer = setInterval(sample, 1000);
let lastPrinted = 0;
const history = await model.fit(rows, {
  epochs: 1,
  verbose: 0,
  callbacks: [{
    onBatchEnd: (_batch, logs) => {
      rowsRead += logs?.size as number;
      if (rowsRead - lastPrinted >= generated.rows / 20) {
        lastPrinted = rowsRead;
        const last = samples[samples.length - 1];
        process.stdout.write(`  ${((100 * rowsRead) / generated.rows).toFixed(0).padStart(3)} % of the rows, RSS ${last.rssMB.toFixed(0)} MB\n`);
      }
    },
  }],
});
clearInterval(timer);
sample();
const trainSeconds = (performance.now() - trainStart) / 1000;
const after = probe();
if (!keep) rmSync(folder, { recursive: true, force: true });

// --- report -----------------------------------------------------------------------------------

const warmUp = samples.find((s) => s.rows >= generated.rows / 10) ?? samples[0];
const afterWarmUp = samples.filter((s) => s.seconds >= warmUp.seconds);
const peak = Math.max(...afterWarmUp.map((s) => s.rssMB));
const end = samples[samples.length - 1];
const growth = (end.rssMB - warmUp.rssMB) / warmUp.rssMB;
const peakGrowth = (peak - warmUp.rssMB) / warmUp.rssMB;
console.log(`\nTrained 1 epoch on ${rowsRead.toLocaleString('en-US')} rows (${mb(fileBytes).toFixed(0)} MB) in ${trainSeconds.toFixed(0)} s: ` +
  `${Math.round(rowsRead / trainSeconds).toLocaleString('en-US')} rows/s, ${(mb(fileBytes) / trainSeconds).toFixed(1)} MB/s; ` +
  `loss ${history.history.loss[0].toFixed(4)}, accuracy ${history.history.accuracy[0].toFixed(4)}`);
console.log('\nRSS over time (one row per tenth of the run):');
console.log('| seconds | rows read | RSS MB | V8 heap used MB | external MB |');
console.log('|---|---|---|---|---|');
for (let k = 0; k <= 10; k++) {
  const s = samples[Math.min(samples.length - 1, Math.round((k / 10) * (samples.length - 1)))];
  console.log(`| ${s.seconds.toFixed(0)} | ${s.rows.toLocaleString('en-US')} | ${s.rssMB.toFixed(0)} | ${s.heapUsedMB.toFixed(0)} | ${s.externalMB.toFixed(0)} |`);
}
console.log(`\nRSS after warm-up (10 % of the rows) ${warmUp.rssMB.toFixed(0)} MB, peak after it ${peak.toFixed(0)} MB (${(peakGrowth * 100).toFixed(1)} %), ` +
  `at the end ${end.rssMB.toFixed(0)} MB (${(growth * 100).toFixed(1)} %): ${peakGrowth <= 0.1 ? 'flat (within 10 %)' : 'NOT flat'}; the file is ${mb(fileBytes).toFixed(0)} MB.`);
console.log(`Machine probe before / after: FMA ${before.fmaGflops.toFixed(0)} / ${after.fmaGflops.toFixed(0)} GFLOP/s on one core (known idle figure ${KNOWN_FMA_PER_CORE}), ` +
  `load average ${before.load1.toFixed(2)} / ${after.load1.toFixed(2)}`);
if (Math.min(before.fmaGflops, after.fmaGflops) < 0.85 * KNOWN_FMA_PER_CORE) {
  console.log('NOTE: the probe was well below the known figure: other work shared the cores, and rows/s are low.');
}

if (write) {
  const file = join(dirname(fileURLToPath(import.meta.url)), 'results', 'dataset.json');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify({
    date: new Date(startedAt).toISOString(), backend: dn.backendInfo(), sizeGb, fileBytes, rows: generated.rows, generateSeconds: generated.seconds,
    trainSeconds, rowsPerSecond: rowsRead / trainSeconds, loss: history.history.loss[0], accuracy: history.history.accuracy[0],
    warmUp, peakRssMB: peak, end, rssGrowth: growth, peakRssGrowth: peakGrowth, flat: peakGrowth <= 0.1, probes: { before, after },
    // At most about 100 of the per-second samples (the last one always), to keep the file small.
    samples: samples.filter((_, i) => i % Math.ceil(samples.length / 100) === 0 || i === samples.length - 1),
  }, null, 2)}\n`);
  console.log(`\nResults: ${file}`);
}
