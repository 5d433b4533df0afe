// The keyword-spotting example, on its real data (data/spoken_digits, in the repository), with a few steps.
import { describe, expect, it } from 'vitest';
import { binding } from '../../lib/native.js';
import { CLIP_SAMPLES, keywordModel, loadSplit, runSpokenDigits, WORDS } from '../../examples/spoken-digits.js';

// On scalar kernels (CI's DENDRITE_ISA=scalar run, and the emulated CPU under qemu) the short training run
// takes over a minute: it runs on the SIMD paths only; the features and the model are checked on every path
// by the first test and by the signal and layer tests.
const scalarKernels = binding.backendInfo().isa === 'scalar';

describe('examples/spoken-digits', () => {
  it('reads every word of a split as one-second clips with their labels', () => {
    const { x, y, files } = loadSplit('test', 2);
    expect(x.shape).toEqual([20, CLIP_SAMPLES]);
    expect(Array.from(y.dataSync())).toEqual(WORDS.flatMap((_, label) => [label, label]));
    expect(files[4]).toMatch(/test[/\\]two[/\\]s\d+_two\.wav$/);
    // Clips are shorter than a second: real samples first, zeros after.
    const first = x.dataSync().subarray(0, CLIP_SAMPLES);
    expect(first.some((v) => v !== 0)).toBe(true);
    expect(first[CLIP_SAMPLES - 1]).toBe(0);
    expect(keywordModel().predict(x).shape).toEqual([20, 10]);
  });

  it.runIf(!scalarKernels)('a short run on part of the data trains, and prints the held-out-speaker accuracy', async () => {
    const lines: string[] = [];
    const result = await runSpokenDigits({ epochs: 2, trainClips: 320, verbose: 0, log: (line) => lines.push(line) });
    expect(result.trainLoss).toHaveLength(2);
    expect(result.trainLoss.every(Number.isFinite)).toBe(true);
    expect(result.trainLoss[1]).toBeLessThan(result.trainLoss[0]);
    expect(result.testAccuracy).toBeGreaterThanOrEqual(0);
    expect(result.testAccuracy).toBeLessThanOrEqual(1);
    expect(lines.join('\n')).toMatch(/320 training clips, 400 test clips/);
    expect(lines.join('\n')).toMatch(/Held-out-speaker accuracy: \d+\.\d % \(the reference CNN: 62-64 %\)/);
  }, 60_000);
});
