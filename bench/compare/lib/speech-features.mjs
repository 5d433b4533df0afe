// Dendrite's side of the speech-feature rows of bench:compare (issue 20): log-mel features of the 2,000
// isolated spoken-digit clips (the peer: peers/speech_features.py, NumPy's rfft), and streaming keyword
// spotting: 1 s windows every 100 ms through examples/spoken-digits.ts's model, predict at batch 1, with
// each window's latency kept so the run reports its p99 beside the mean.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from './common.mjs';

const CLIPS_DIR = join(repoRoot, 'data', 'spoken_digits', 'isolated');

/** Every clip (train, then test; words in order; files sorted) as [clips, samples], cut or zero-padded. */
function loadClips(dn, samples) {
  const files = [];
  for (const split of ['test', 'train']) {
    for (const word of readdirSync(join(CLIPS_DIR, split)).sort()) {
      const folder = join(CLIPS_DIR, split, word);
      for (const name of readdirSync(folder).sort()) if (name.endsWith('.wav')) files.push(join(folder, name));
    }
  }
  const clips = new Float32Array(files.length * samples);
  files.forEach((file, i) => clips.set(dn.audio.readWav(file, { desiredChannels: 1 }).audio.dataSync().subarray(0, samples), i * samples));
  return { clips, count: files.length };
}

export async function setupSpeechFeatures(dn, workload, params) {
  const missing = ['audio.readWav', 'signal.melSpectrogram'].filter((name) => typeof name.split('.').reduce((o, k) => o?.[k], dn) !== 'function');
  if (missing.length) return { skip: `Dendrite API not there yet: dn.${missing.join(', dn.')}` };
  const { clips, count } = loadClips(dn, params.samples);
  if (workload === 'logMel') {
    const x = dn.tensor(clips.subarray(0, params.clips * params.samples), [Math.min(count, params.clips), params.samples]);
    const options = {
      sampleRate: params.sampleRate, frameLength: params.frameLength, frameStep: params.frameStep, fftLength: params.fftLength,
      numMelBins: params.melBins, lowerEdgeHertz: params.lowerHertz, upperEdgeHertz: params.upperHertz, power: 2,
    };
    // In batches of params.batch clips, as a feature pipeline runs (the whole set in one call made every
    // intermediate hundreds of MB of fresh pages: 9x slower here).
    const batches = [];
    for (let c = 0; c < x.shape[0]; c += params.batch) batches.push(dn.slice(x, [c, 0], [Math.min(params.batch, x.shape[0] - c), params.samples]));
    const features = () => dn.concat(batches.map((batch) => dn.log(dn.add(dn.signal.melSpectrogram(batch, options), 1e-6))), 0);
    const first = features();
    const frames = 1 + Math.floor((params.samples - params.frameLength) / params.frameStep);
    if (first.shape.join() !== [x.shape[0], frames, params.melBins].join() || !first.dataSync().every(Number.isFinite)) {
      throw new Error(`log-mel features of shape [${first.shape}], expected [${x.shape[0]}, ${frames}, ${params.melBins}]`);
    }
    return {
      units: x.shape[0],
      run(iterations) {
        for (let i = 0; i < iterations; i++) features();
      },
    };
  }
  // kwsStream: the examples' model (untrained: the latency does not depend on the weights) reads a stream of
  // clips back to back; each window is the last second of audio, one every 100 ms.
  if (process.env.DENDRITE_COMPARE_SOURCE !== 'lib') return { skip: 'the keyword model comes from examples/spoken-digits.ts: needs the lib/ source (tsx)' };
  const { keywordModel } = await import(pathToFileURL(join(repoRoot, 'examples', 'spoken-digits.ts')).href);
  const model = keywordModel();
  const stream = clips.subarray(0, params.streamSeconds * params.samples);
  const windows = Math.floor((stream.length - params.samples) / params.hop) + 1;
  let next = 0;
  const predictWindow = () => {
    const start = (next++ % windows) * params.hop;
    return model.predict(dn.tensor(stream.slice(start, start + params.samples), [1, params.samples])).dataSync();
  };
  if (predictWindow().length !== 10) throw new Error('the keyword model does not give 10 word probabilities');
  return {
    units: 1,
    run(iterations) {
      const latencies = new Float64Array(iterations);
      for (let i = 0; i < iterations; i++) {
        const started = process.hrtime.bigint();
        predictWindow();
        latencies[i] = Number(process.hrtime.bigint() - started) / 1e6;
      }
      latencies.sort();
      return { p99Ms: latencies[Math.min(iterations - 1, Math.ceil(0.99 * iterations) - 1)] };
    },
  };
}
