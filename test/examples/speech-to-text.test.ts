// The connected-digits speech-to-text example, on its real data (data/spoken_digits, in the repository), with a
// few steps; and its HTTP route (examples/transcribe-server.ts) on a loopback port.
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as dn from '../../lib/index.js';
import { binding } from '../../lib/native.js';
import {
  CLASSES, CLIP_SAMPLES, digitErrorRate, editDistance, labelTensor, loadUtterances, runSpeechToText, speechModel, STEPS, transcribe,
} from '../../examples/speech-to-text.js';
import { transcribeServer, transcribeWav, type Transcript } from '../../examples/transcribe-server.js';

// On scalar kernels (CI's DENDRITE_ISA=scalar run, and the emulated CPU under qemu) even the short training
// run takes 25 s or more: it runs on the SIMD paths only; the data, the model, the decoding and the server are
// checked on every path.
const scalarKernels = binding.backendInfo().isa === 'scalar';
const SEVEN = new URL('../fixtures/audio/seven.wav', import.meta.url);

describe('examples/speech-to-text', () => {
  it('reads utterances padded to 2.8 s with their transcripts, and labels them for the CTC loss', () => {
    const { x, transcripts, files } = loadUtterances('test', 3);
    expect(x.shape).toEqual([3, CLIP_SAMPLES]);
    expect(files[0]).toMatch(/connected[/\\]test[/\\]s\d+_0\.wav$/);
    for (const digits of transcripts) {
      expect(digits.length).toBeGreaterThanOrEqual(2);
      expect(digits.length).toBeLessThanOrEqual(5);
      expect(digits.every((d) => Number.isInteger(d) && d >= 0 && d <= 9)).toBe(true);
    }
    const row = x.dataSync().subarray(0, CLIP_SAMPLES);
    expect(row.some((v) => v !== 0)).toBe(true);
    expect(row[CLIP_SAMPLES - 1]).toBe(0);
    expect(labelTensor([[3, 1, 4], [0, 9]]).toArray()).toEqual([[4, 2, 5, 0, 0], [1, 10, 0, 0, 0]]);
  });

  it('scores transcripts by edit distance over the reference digits', () => {
    expect(editDistance([3, 1, 4], [3, 1, 4])).toBe(0);
    expect(editDistance([3, 4], [3, 1, 4])).toBe(1);
    expect(editDistance([], [1, 2])).toBe(2);
    expect(editDistance([9, 1, 4, 5], [3, 1, 4])).toBe(2);
    expect(digitErrorRate([[3, 1, 4], [2]], [[3, 1, 4], [2, 2]])).toBeCloseTo(1 / 5);
  });

  it('maps raw audio to logits per output step, and decodes classes back to digits', () => {
    const model = speechModel();
    const logits = model.predict(loadUtterances('test', 2).x);
    expect(logits.shape).toEqual([2, STEPS, CLASSES]);
    // A handmade path: blank, digit 3 twice (merged), blank, digit 3 again, digit 0.
    const path = [0, 4, 4, 0, 4, 1];
    const handmade = dn.tensor(path.flatMap((c) => Array.from({ length: CLASSES }, (_, k) => (k === c ? 5 : 0))), [1, path.length, CLASSES]);
    expect(transcribe(handmade)).toEqual([[3, 3, 0]]);
    expect(transcribe(handmade, { strategy: 'beamSearch', beamWidth: 8 })).toEqual([[3, 3, 0]]);
  });

  it.runIf(!scalarKernels)('a short run trains with the CTC loss and prints digit error rates and transcripts', async () => {
    const lines: string[] = [];
    const result = await runSpeechToText({ epochs: 2, trainClips: 48, testClips: 8, verbose: 0, log: (line) => lines.push(line) });
    expect(result.trainLoss).toHaveLength(2);
    expect(result.trainLoss.every(Number.isFinite)).toBe(true);
    expect(result.trainLoss[1]).toBeLessThan(result.trainLoss[0]);
    for (const rate of [result.greedyDigitErrorRate, result.beamDigitErrorRate]) {
      expect(Number.isFinite(rate)).toBe(true);
      expect(rate).toBeGreaterThanOrEqual(0);
    }
    const text = lines.join('\n');
    expect(text).toMatch(/48 training and 8 test utterances/);
    expect(text).toMatch(/truth +greedy +beam search\n\d{2,5} /);
    expect(text).toMatch(/Digit error rate on held-out speakers: greedy \d+\.\d{3}, beam search \(width 16\) \d+\.\d{3} \(the reference: 0\.330, greedy\)/);
  }, 60_000);
});

describe('examples/transcribe-server', () => {
  const model = speechModel();
  const server = transcribeServer(model);
  let base = '';
  beforeAll(async () => {
    await new Promise<void>((resolveListen) => server.listen(0, '127.0.0.1', resolveListen));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolveClose) => server.close(() => resolveClose())));

  it('answers a POSTed WAV file with its transcript as JSON, the same as decoding predict\'s logits', async () => {
    const wav = readFileSync(SEVEN);
    for (const beam of [false, true]) {
      const response = await fetch(`${base}/transcribe${beam ? '?beam=1' : ''}`, { method: 'POST', body: wav });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/json');
      const body = (await response.json()) as Transcript;
      const expected = await transcribeWav(model, new Uint8Array(wav), beam);
      expect(body).toEqual(expected);
      expect(body.digits).toMatch(/^\d*$/);
      expect(body.words.split(' ').filter(Boolean)).toHaveLength(body.digits.length);
      expect(body.beam).toBe(beam);
    }
  });

  it('answers a bad WAV file with 400 and the SerializationError\'s message, and a wrong route or method with 404 / 405', async () => {
    const truncated = readFileSync(SEVEN).subarray(0, 30);
    let message = '';
    try {
      dn.audio.decodeWav(new Uint8Array(truncated));
    } catch (error) {
      expect(error).toBeInstanceOf(dn.SerializationError);
      message = (error as Error).message;
    }
    expect(message).toMatch(/truncated/);
    const response = await fetch(`${base}/transcribe`, { method: 'POST', body: truncated });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: message });

    const notWav = await fetch(`${base}/transcribe`, { method: 'POST', body: 'hello' });
    expect(notWav.status).toBe(400);
    expect(((await notWav.json()) as { error: string }).error).toMatch(/decodeWav/);

    const tooLong = dn.audio.encodeWav(dn.zeros([8000 * 3, 1]), 8000);
    const long = await fetch(`${base}/transcribe`, { method: 'POST', body: tooLong });
    expect(long.status).toBe(400);
    expect(((await long.json()) as { error: string }).error).toMatch(/lasts 3\.00 s; this model takes at most 2\.8 s/);

    expect((await fetch(`${base}/elsewhere`, { method: 'POST', body: 'x' })).status).toBe(404);
    expect((await fetch(`${base}/transcribe`)).status).toBe(405);
  });
});
