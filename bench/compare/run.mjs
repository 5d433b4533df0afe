// Dendrite side by side with TensorFlow.js (cpu, wasm), onnxruntime-node and PyTorch, on this machine, in
// one run: `npm run bench:compare` (about 7 minutes) or `npm run bench:compare -- --quick` (about 1).
//
// Method: every engine runs in its own child process per thread count (1 and all cores). For each case,
// each engine warms up and calibrates how many iterations make one repetition, then repetitions alternate
// Dendrite, peer, Dendrite, peer … (for each peer in turn: 7 rounds, 5 in a quick run). A pair's ratio compares the
// Dendrite repetitions run right before that peer's with the peer's own. Results go to
// bench/results/compare.json with the machine they came from, and the chart of ratios to docs/compare.svg, when
// the run is given --write (the published figures come from a full run on a quiet machine).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { spawnSync } from 'node:child_process';
import { buildCases, caseFor, figure } from './lib/cases.mjs';
import { compareRoot, repoRoot } from './lib/common.mjs';
import { ENGINES, EngineProcess, dendriteSource, python } from './lib/engines.mjs';

const { values: options } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    engines: { type: 'string' },
    threads: { type: 'string' },
    reps: { type: 'string' },
    'dendrite-from': { type: 'string' },
    write: { type: 'boolean', default: false },
    report: { type: 'boolean', default: false },
    out: { type: 'string', default: join(repoRoot, 'bench/results/compare.json') },
    svg: { type: 'string', default: join(repoRoot, 'docs/compare.svg') },
    help: { type: 'boolean', default: false },
  },
});

if (options.help) {
  console.log(`usage: npm run bench:compare [-- options]
  --quick               smaller sizes, shorter repetitions, 2 digits epochs (about 1 minute)
  --only=a,b            cases or groups to run (gemm, training, inference, digits, sequences, graphs, conv, gemm-512, train-residual, train-lenet, ...)
  --engines=a,b         engines to run (${ENGINES.map((e) => e.name).join(', ')})
  --threads=1,2         thread counts (default: 1 and all cores)
  --reps=N              alternating repetitions per pair (default 7, quick 5; at least 5 for published figures)
  --dendrite-from=dist  load Dendrite from dist/ instead of lib/ through tsx
  --report              no run: print the tables of the existing results file (with --write, redraw its chart)
  --write               replace the published ${relative(repoRoot, options.out)} and ${relative(repoRoot, options.svg)}
                        (without it a run only prints; publish full runs on a quiet machine)
  --out=FILE --svg=FILE where --write writes`);
  process.exit(0);
}

/** Installs bench/compare's own dependencies (exact versions from its lock file) when any is missing. */
function ensureDependencies() {
  const manifest = JSON.parse(readFileSync(join(compareRoot, 'package.json'), 'utf8'));
  const missing = Object.keys(manifest.dependencies).filter((name) => !existsSync(join(compareRoot, 'node_modules', name, 'package.json')));
  if (!missing.length) return null;
  console.log(`installing bench/compare's dependencies (missing: ${missing.join(', ')})`);
  // --ignore-scripts: onnxruntime-node's install script downloads GPU libraries; its CPU binary is in the package.
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const installed = spawnSync(npm, ['ci', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: compareRoot, stdio: 'inherit' });
  return installed.status === 0 ? null : `npm ci in bench/compare failed (status ${installed.status}): peers that need it are skipped`;
}

const installProblem = ensureDependencies();
const mode = options.quick ? 'quick' : 'full';
const settings = {
  quick: { repetitions: 5, targetRepSeconds: 0.025, warmupSeconds: 0.1, probeSeconds: 0.1, triadMegabytes: 64, gapMs: 5, engineBudgetSeconds: 5 },
  full: { repetitions: 7, targetRepSeconds: 0.1, warmupSeconds: 0.3, probeSeconds: 0.25, triadMegabytes: 128, gapMs: 10, engineBudgetSeconds: 40 },
}[mode];
if (options.reps) settings.repetitions = Math.max(1, Number(options.reps));
const cores = os.availableParallelism();
const threadCounts = options.threads ? options.threads.split(',').map(Number) : [...new Set([1, cores])];
const wanted = options.only?.split(',');
const cases = buildCases(mode).filter((c) => !wanted || wanted.includes(c.id) || wanted.includes(c.group));
const engines = ENGINES.filter((e) => !options.engines || e.name === 'dendrite' || options.engines.split(',').includes(e.name));
const source = dendriteSource(options['dendrite-from']);
const started = performance.now();
const elapsed = () => `${((performance.now() - started) / 1000).toFixed(0)} s`;
const log = (...args) => console.log(`[${elapsed()}]`, ...args);

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
const summary = (values) => (values.length ? { median: median(values), min: Math.min(...values), max: Math.max(...values) } : null);

/** The 1-, 5- and 15-minute load averages, to two decimals. */
const loadAverage = () => os.loadavg().map((v) => Number(v.toFixed(2)));

function machine() {
  const cpuinfo = existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '';
  const flags = new Set((cpuinfo.match(/^flags\s*:\s*(.*)$/m)?.[1] ?? '').split(/\s+/));
  const isaFlags = ['sse4_2', 'avx', 'avx2', 'fma', 'avx512f', 'avx512bw', 'avx512vl', 'avx512dq', 'avx512_vnni', 'avx512_bf16', 'amx_tile'];
  return {
    cpu: cpuinfo.match(/^model name\s*:\s*(.*)$/m)?.[1] ?? os.cpus()[0]?.model ?? 'unknown',
    isa: isaFlags.filter((flag) => flags.has(flag)),
    cores,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    loadAverageAtStart: loadAverage(),
  };
}

const format = (value) => {
  if (value == null || !Number.isFinite(value)) return '-';
  const magnitude = Math.abs(value);
  if (magnitude >= 1000) return Math.round(value).toLocaleString('en-US');
  if (magnitude >= 100) return value.toFixed(0);
  if (magnitude >= 10) return value.toFixed(1);
  return value.toFixed(2);
};

/** Runs one case at one thread count over the open engine processes; returns its result record. */
async function runCase(testCase, threads, processes) {
  const record = {
    id: testCase.id,
    group: testCase.group,
    label: testCase.label,
    short: testCase.short,
    threads,
    metric: testCase.metric.name,
    higherIsBetter: testCase.metric.higherIsBetter,
    note: testCase.note ?? null,
    engines: {},
    ratios: {},
  };
  const ready = [];
  for (const [name, child] of processes) {
    const plan = caseFor(testCase, name, threads);
    const entry = { samples: [], note: plan.note, skipped: null, repetitions: plan.repetitions ?? settings.repetitions };
    record.engines[name] = entry;
    if (!child.info) {
      entry.skipped = child.unavailable;
      continue;
    }
    if (plan.skip) {
      entry.skipped = plan.skip;
      continue;
    }
    try {
      const made = await child.process.request('setup', { spec: plan.spec });
      if (made.skip) {
        entry.skipped = made.skip;
        continue;
      }
      entry.units = made.units;
      const warm = await child.process.request('warmup', {
        targetSeconds: settings.targetRepSeconds,
        minSeconds: settings.warmupSeconds,
      });
      entry.iterationsPerRep = warm.iterationsPerRep;
      // A slow engine (or one slowed by a loaded machine) runs fewer repetitions, so the run keeps to its time.
      const affordable = Math.max(1, Math.floor(settings.engineBudgetSeconds / warm.estimatedRepSeconds));
      if (affordable < entry.repetitions) {
        entry.note = [
          entry.note,
          `${affordable} repetition${affordable > 1 ? 's' : ''} instead of ${entry.repetitions}: about ${format(warm.estimatedRepSeconds)} s each ` +
            `(time budget ${settings.engineBudgetSeconds} s per engine and case)`,
        ].filter(Boolean).join('; ');
        entry.repetitions = affordable;
      }
      entry.warmupSeconds = Number(warm.warmupSeconds.toFixed(3));
      ready.push(name);
    } catch (error) {
      entry.skipped = `failed: ${error.message}`;
    }
  }
  const dendriteReady = ready.includes('dendrite');
  const peers = ready.filter((name) => name !== 'dendrite');
  const gap = () => new Promise((resolve) => setTimeout(resolve, settings.gapMs));
  const repeat = async (name, repetition, pairedWith) => {
    const entry = record.engines[name];
    if (entry.failed) return;
    try {
      const result = await processes.get(name).process.request('rep', { repetition });
      entry.samples.push({
        value: figure(testCase.metric, result, entry.units),
        seconds: Number(result.seconds.toFixed(6)),
        iterations: result.iterations,
        repetition,
        pairedWith,
        ...(result.extra ?? {}),
      });
    } catch (error) {
      entry.failed = `failed: ${error.message}`;
    }
    await gap();
  };
  for (let repetition = 0; repetition < settings.repetitions; repetition++) {
    if (!peers.length && dendriteReady) await repeat('dendrite', repetition, null);
    for (const peer of peers) {
      if (repetition >= record.engines[peer].repetitions) continue;
      if (dendriteReady) await repeat('dendrite', repetition, peer);
      await repeat(peer, repetition, null);
    }
  }
  for (const name of ready) await processes.get(name).process.request('teardown').catch(() => {});

  for (const entry of Object.values(record.engines)) {
    if (entry.failed) entry.skipped = entry.failed;
    delete entry.failed;
    Object.assign(entry, summary(entry.samples.map((s) => s.value)) ?? {});
    if (testCase.extraMetric && entry.samples.length) {
      const extras = entry.samples.map((s) => s[testCase.extraMetric]);
      entry[testCase.extraMetric] = { mean: extras.reduce((a, b) => a + b, 0) / extras.length, ...summary(extras) };
    }
  }
  // Ratio: Dendrite's figure over the peer's in "faster" terms (for times: peer time over Dendrite time),
  // from the Dendrite repetitions paired with that peer. Above 1 means Dendrite is faster.
  const dendrite = record.engines.dendrite;
  if (dendrite?.samples.length) {
    for (const peer of peers) {
      const own = record.engines[peer].samples;
      const paired = dendrite.samples.filter((s) => s.pairedWith === peer);
      if (!own.length || !paired.length) continue;
      const orient = (d, p) => (testCase.metric.higherIsBetter ? d / p : p / d);
      const perPair = paired.map((d, i) => (own[i] ? orient(d.value, own[i].value) : null)).filter((r) => r != null);
      record.ratios[peer] = {
        ratio: orient(median(paired.map((s) => s.value)), median(own.map((s) => s.value))),
        min: Math.min(...perPair),
        max: Math.max(...perPair),
      };
      if (testCase.extraMetric) {
        const dendriteExtra = median(paired.map((s) => s[testCase.extraMetric]));
        const peerExtra = median(own.map((s) => s[testCase.extraMetric]));
        record.ratios[peer][`${testCase.extraMetric}Difference`] = dendriteExtra - peerExtra;
      }
    }
  }
  return record;
}

function printCase(record, labels) {
  const threads = `${record.threads} thread${record.threads > 1 ? 's' : ''}`;
  const lines = [`${record.label} — ${record.metric}${record.higherIsBetter ? '' : ' (lower is better)'}, ${threads} (${record.seconds} s)`];
  if (record.note) lines.push(`    note: ${record.note}`);
  for (const [name, entry] of Object.entries(record.engines)) {
    const label = labels[name].padEnd(30);
    if (entry.skipped) {
      lines.push(`  ${label} skipped: ${entry.skipped}`);
      continue;
    }
    let line = `  ${label} ${format(entry.median).padStart(10)}  [${format(entry.min)}–${format(entry.max)}]`;
    if (entry.accuracy) line += `  accuracy ${entry.accuracy.mean.toFixed(3)}`;
    if (entry.p99Ms) line += `  p99 ${format(entry.p99Ms.median)} ms`;
    const ratio = record.ratios[name];
    if (ratio) line += `   Dendrite/peer ${format(ratio.ratio)}× [${format(ratio.min)}–${format(ratio.max)}]`;
    lines.push(line);
    if (entry.note) lines.push(`  ${''.padEnd(30)} note: ${entry.note}`);
  }
  console.log(lines.join('\n'));
}

/** A Markdown table per thread count: each peer's median with Dendrite's ratio over it. */
function markdownTables(result) {
  const names = Object.keys(result.engines);
  const out = [];
  for (const threads of [...new Set(result.results.map((r) => r.threads))]) {
    out.push('', `${threads} thread${threads > 1 ? 's' : ''} — median, and in brackets Dendrite ÷ peer (above 1: Dendrite faster)`, '');
    out.push(`| workload | unit | ${names.map((n) => result.engines[n].label).join(' | ')} |`);
    out.push(`|---|---|${names.map(() => '---:').join('|')}|`);
    for (const record of result.results.filter((r) => r.threads === threads)) {
      const cells = names.map((name) => {
        const entry = record.engines[name];
        if (!entry || entry.skipped || entry.median == null) return '—';
        let cell = format(entry.median);
        if (entry.accuracy) cell += ` (acc ${entry.accuracy.mean.toFixed(3)})`;
        if (entry.p99Ms) cell += ` (p99 ${format(entry.p99Ms.median)} ms)`;
        if (record.ratios[name]) cell += ` [${format(record.ratios[name].ratio)}×]`;
        return cell;
      });
      out.push(`| ${record.short ?? record.label} | ${record.metric} | ${cells.join(' | ')} |`);
    }
  }
  return out.join('\n');
}

async function writeChart(result) {
  try {
    const { renderChart } = await import('./lib/chart.mjs');
    mkdirSync(dirname(options.svg), { recursive: true });
    writeFileSync(options.svg, await renderChart(result));
    console.log(`wrote ${relative(repoRoot, options.svg)}`);
  } catch (error) {
    console.log(`no chart: ${error.message}`);
  }
}

async function main() {
  if (options.report) {
    const result = JSON.parse(readFileSync(options.out, 'utf8'));
    console.log(`${result.mode} run of ${result.generatedAt} on ${result.machine.cpu} (${result.machine.cores} cores)`);
    console.log(markdownTables(result));
    for (const note of result.notes) console.log(`note: ${note}`);
    if (options.write) await writeChart(result);
    return;
  }
  const result = {
    schema: 1,
    mode,
    generatedAt: new Date().toISOString(),
    command: `npm run bench:compare${process.argv.length > 2 ? ' -- ' + process.argv.slice(2).join(' ') : ''}`,
    machine: machine(),
    method: {
      repetitions: settings.repetitions,
      targetRepetitionSeconds: settings.targetRepSeconds,
      warmupSeconds: settings.warmupSeconds,
      alternation: 'per case: for each repetition, for each peer: one Dendrite repetition, then one of the peer',
      ratio:
        'Dendrite / peer in throughput terms (for times: peer time / Dendrite time), medians of the Dendrite repetitions paired with that peer and of the peer; min–max over the pairs; above 1 means Dendrite is faster',
      threads: threadCounts,
    },
    engines: {},
    probes: [],
    notes: [],
    results: [],
  };
  if (installProblem) result.notes.push(installProblem);
  if (mode === 'quick') result.notes.push('quick run: short repetitions and smaller sizes; figures are noisy');
  if (!source) result.notes.push('Dendrite: neither tsx (to load lib/) nor dist/ was found: run npm install at the root');
  const labels = Object.fromEntries(ENGINES.map((e) => [e.name, e.label]));

  for (const threads of threadCounts) {
    log(`starting engines at ${threads} thread${threads > 1 ? 's' : ''}`);
    const processes = new Map();
    await Promise.all(
      engines.map(async (engine) => {
        const child = { process: null, info: null, unavailable: null };
        processes.set(engine.name, child);
        if (engine.name === 'dendrite' && !source) {
          child.unavailable = 'not built: run npm install at the root';
          return;
        }
        if (engine.kind === 'python' && !existsSync(python)) {
          child.unavailable = `no ${python}: PyTorch runs under Debian's python3-torch (apt-get install python3-torch libopenblas0)`;
          return;
        }
        child.process = new EngineProcess(engine, threads, { source });
        try {
          child.info = await child.process.request('open', {}, 120);
          child.process.hold();
        } catch (error) {
          const reason = error.message.split('\n')[0];
          child.unavailable = /No module named 'torch'/.test(reason)
            ? `no PyTorch for ${python} (apt-get install python3-torch libopenblas0)`
            : /Cannot find (package|module)/.test(reason)
              ? `not installed: ${reason} (npm install in bench/compare)`
              : `unavailable: ${reason}`;
          await child.process.close().catch(() => {});
          child.process = null;
        }
      }),
    );
    // Keep the engine order of ENGINES in every table.
    const ordered = new Map(engines.map((e) => [e.name, processes.get(e.name)]));
    for (const [name, child] of ordered) {
      const known = (result.engines[name] ??= { label: labels[name], byThreads: {} });
      known.byThreads[threads] = child.info ?? { unavailable: child.unavailable };
      if (child.info) known.version = child.info.version;
      log(`  ${labels[name]}: ${child.info ? `${child.info.version}, ${child.info.threads} thread(s)` : child.unavailable}`);
      for (const note of child.info?.notes ?? []) log(`    ${note}`);
    }
    const dendrite = ordered.get('dendrite');
    // The addon's FMA (and, at the start, triad) probe beside the figures, to tell a loaded machine.
    const probeMachine = async (when, triadMegabytes) => {
      if (!dendrite?.info) return null;
      const probe = await dendrite.process
        .request('probe', { threads, seconds: settings.probeSeconds, triadMegabytes })
        .catch((e) => ({ note: e.message }));
      result.probes.push({ threads, when, ...probe, loadAverage: loadAverage() });
      return probe;
    };
    const probe = await probeMachine('start', settings.triadMegabytes);
    if (probe?.fmaGflops) log(`  probe: FMA ${format(probe.fmaGflops)} GFLOP/s, triad ${format(probe.triadGBs)} GB/s on ${threads} thread(s)`);
    for (const testCase of cases) {
      if (testCase.threads && !testCase.threads.includes(threads)) continue;  // a case measured at given thread counts only
      const begin = performance.now();
      const record = await runCase(testCase, threads, ordered);
      record.seconds = Number(((performance.now() - begin) / 1000).toFixed(2));
      result.results.push(record);
      printCase(record, labels);
    }
    await probeMachine('end', 0);
    await Promise.all([...ordered.values()].map((child) => child.process?.close()));
  }
  result.machine.loadAverageAtEnd = loadAverage();
  result.totalSeconds = Number(((performance.now() - started) / 1000).toFixed(1));
  const singleThreadProbes = result.probes.filter((p) => p.fmaGflops && p.threads === 1);
  const lowProbe = singleThreadProbes.sort((a, b) => a.fmaGflops - b.fmaGflops)[0];
  if (lowProbe && lowProbe.fmaGflops < 0.8 * 174) {
    result.notes.push(
      `the 1-thread FMA probe read ${format(lowProbe.fmaGflops)} GFLOP/s (at the ${lowProbe.when} of the 1-thread cases) against this ` +
        "machine's known 174: the machine was loaded, so figures are low and noisy",
    );
  }
  // An engine far slower with more threads than with one, in the same run: either the machine was loaded
  // (thread pools that spin at barriers collapse when other processes hold the cores), or the engine's own
  // thread pools fight over them (untuned PyTorch: OpenMP's and OpenBLAS's).
  if (threadCounts.length > 1) {
    const [few, many] = [Math.min(...threadCounts), Math.max(...threadCounts)];
    for (const name of Object.keys(result.engines)) {
      const collapsed = result.results
        .filter((r) => r.threads === many)
        .map((r) => {
          const single = result.results.find((s) => s.id === r.id && s.threads === few)?.engines[name]?.median;
          const multi = r.engines[name]?.median;
          if (!single || !multi) return null;
          const speed = r.higherIsBetter ? multi / single : single / multi;
          return speed < 0.5 ? `${r.short ?? r.label} ${speed.toFixed(2)}×` : null;
        })
        .filter(Boolean);
      if (collapsed.length) {
        result.notes.push(
          `${result.engines[name].label} on ${many} threads fell below half its ${few}-thread speed (${collapsed.join(', ')}): ` +
            `either the machine was loaded (load average ${result.machine.loadAverageAtStart.join(', ')} at the start) or its own thread pools contend for the cores`,
        );
      }
    }
  }
  console.log(markdownTables(result));
  for (const note of result.notes) console.log(`note: ${note}`);
  console.log(`total ${result.totalSeconds} s`);
  // A peer may be missing; Dendrite itself must run every case (CI runs --quick as a smoke test).
  const dendriteFailures = result.results.filter((r) => r.engines.dendrite?.skipped);
  for (const r of dendriteFailures) console.error(`error: Dendrite did not run ${r.label} on ${r.threads} thread(s): ${r.engines.dendrite.skipped}`);
  if (dendriteFailures.length) process.exitCode = 1;

  if (options.write) {
    mkdirSync(dirname(options.out), { recursive: true });
    writeFileSync(options.out, JSON.stringify(result, null, 2) + '\n');
    console.log(`wrote ${relative(repoRoot, options.out)}`);
    await writeChart(result);
  } else {
    console.log(`not written: ${relative(repoRoot, options.out)} and ${relative(repoRoot, options.svg)} keep the published run (add --write to replace them)`);
  }
}

process.on('SIGINT', () => process.exit(130));
await main();
