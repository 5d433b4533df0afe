// The examples, each run with fewer epochs: they must train and print what they promise.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ValueError } from '../lib/errors.js';
import { packageRoot } from '../lib/native.js';
import { runXor, xorAccuracy } from '../examples/xor.js';
import { confusionMatrix, formatConfusion, runDigits } from '../examples/digits.js';
import { runIris } from '../examples/iris.js';
import { runBreastCancer } from '../examples/breast-cancer.js';
import { residualMlp, runResidual } from '../examples/residual.js';

const folder = mkdtempSync(join(tmpdir(), 'dendrite-examples-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

describe('examples: should throw', () => {
  it('the confusion matrix rejects labels outside its classes and mismatched lengths', () => {
    expect(() => confusionMatrix([0, 5], [0, 1], 2)).toThrow(ValueError);
    expect(() => confusionMatrix([0, 5], [0, 1], 2)).toThrow(/entry 1 \(actual 5, predicted 1\) is outside the 2 classes/);
    expect(() => confusionMatrix([0, 1], [0], 2)).toThrow(/2 actual labels but 1 predictions/);
  });
});

describe('examples', () => {
  it('xor: one neuron stays at or below 0.75 after 1000 epochs; the 2-4-1 model reaches 100 %', async () => {
    const lines: string[] = [];
    const result = await runXor({ linearEpochs: 1000, hiddenEpochs: 150, seed: 3, log: (line) => lines.push(line) });
    expect(result.linearAccuracy).toBeLessThanOrEqual(0.75);
    // The loss of a linear model on XOR cannot go below ln 2 by much (it is at least ln 2 at the optimum, 0.693).
    expect(result.linearLoss).toBeGreaterThan(0.69);
    expect(result.hiddenAccuracy).toBe(1);
    expect(result.hiddenLoss).toBeLessThan(0.1);
    expect(lines.join('\n')).toMatch(/cannot exceed 0.75: XOR is not linearly separable/);
    expect(xorAccuracy([0.1, 0.9, 0.9, 0.1])).toBe(1);
    expect(xorAccuracy([0.9, 0.9, 0.9, 0.9])).toBe(0.5);
  });

  it('digits: trains, prints accuracy and a confusion matrix, saves, reloads and predicts the same', async () => {
    const lines: string[] = [];
    const result = await runDigits({ epochs: 5, verbose: 0, saveDirectory: join(folder, 'digits-model'), log: (line) => lines.push(line) });
    // After 5 of the 50 epochs the MLP is already far above chance (0.1); the full run reaches about 0.91.
    expect(result.testAccuracy).toBeGreaterThan(0.8);
    expect(result.confusion.flat().reduce((a, b) => a + b)).toBe(360);
    const diagonal = result.confusion.reduce((sum, row, i) => sum + row[i], 0);
    expect(diagonal / 360).toBeCloseTo(result.testAccuracy, 10);
    const text = lines.join('\n');
    expect(text).toMatch(/Test accuracy: \d+\.\d % \(\d+ of 360\)/);
    expect(text).toMatch(/true\\pred\s+0\s+1\s+2\s+3\s+4\s+5\s+6\s+7\s+8\s+9/);
    expect(result.reload).toBe('same');
    expect(text).toMatch(/Saved to .*digits-model .*reloaded with dn.loadModel: the reloaded model predicts exactly the same/);
  });

  it('digits: the confusion matrix counts actual x predicted', () => {
    const counts = confusionMatrix([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 0, 2], 3);
    expect(counts).toEqual([[1, 1, 0], [0, 1, 0], [1, 0, 2]]);
    expect(formatConfusion(counts, ['a', 'b', 'c'])[3]).toMatch(/^c\s+1\s+\.\s+2$/);
  });

  it('iris: a short run classifies most test flowers', async () => {
    const result = await runIris({ epochs: 30, log: () => {} });
    expect(result.testAccuracy).toBeGreaterThan(0.8);
  });

  it('breast cancer: a short run separates malignant from benign', async () => {
    const result = await runBreastCancer({ epochs: 15, log: () => {} });
    expect(result.testAccuracy).toBeGreaterThan(0.85);
    expect(result.malignantRecall).toBeGreaterThan(0.7);
  });

  it('residual: a residual MLP trains beside the same MLP without skips, prints its graph, saves and reloads', async () => {
    const lines: string[] = [];
    const result = await runResidual({ epochs: 6, blocks: 4, width: 32, saveDirectory: join(folder, 'residual-model'), log: (line) => lines.push(line) });
    expect(result.testAccuracy).toBeGreaterThan(0.75);
    expect(result.plainTestAccuracy).toBeGreaterThan(0.1);
    expect(result.reload).toBe('same');
    const text = lines.join('\n');
    expect(text).toMatch(/block2_skip \(Add\)\s+\[null, 32\]\s+0\s+block1_relu\[0\]\[0\]\n\s+block2_b\[0\]\[0\]/);
    expect(text).toMatch(/Test accuracy: residual \d+\.\d %, without the skips \d+\.\d % \(\d[\d,]* weights each\)/);
    // The skips add no weights: both networks have the same layers.
    expect(residualMlp(64, 10, 32, 4, true).countParams()).toBe(residualMlp(64, 10, 32, 4, false).countParams());
    expect(result.parameters).toBe(residualMlp(64, 10, 32, 4, true).countParams());
  });

  it('npm start runs the digits demo', () => {
    const pkg = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8'));
    expect(pkg.scripts.start).toBe('tsx examples/digits.ts');
  });
});
