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
import { runDecisionBoundary } from '../examples/decision-boundary.js';
import { runExplainDigits } from '../examples/explain-digits.js';
import { rankCorrelation, runExplainTabular } from '../examples/explain-tabular.js';
import { decodePng, inkShare } from './helpers/png.js';

/** A picture an example wrote: a PNG that decodes, of a plausible size, not blank. */
function expectPicture(file: string): void {
  const image = decodePng(readFileSync(file));
  expect(image.width).toBeGreaterThan(200);
  expect(image.height).toBeGreaterThan(150);
  expect(inkShare(image)).toBeGreaterThan(0.02);
}

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
    // npm start also draws the training curves and the confusion matrix beside the saved model.
    expect(result.pictures).toEqual([join(folder, 'digits-training-curves.png'), join(folder, 'digits-confusion-matrix.png')]);
    result.pictures.forEach(expectPicture);
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
    expect(text).toContain(`Pictures: ${result.pictures.join(', ')}`);
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

  it('decision-boundary: one neuron cannot separate XOR, the 2-4-1 network can; one picture per data set and model', async () => {
    const lines: string[] = [];
    const runs = await runDecisionBoundary({ epochs: 120, resolution: 40, outputDirectory: join(folder, 'boundaries'), log: (line) => lines.push(line) });
    expect(runs.map((r) => `${r.dataset} ${r.model}`)).toEqual(['xor neuron', 'xor network', 'moons neuron', 'moons network']);
    const accuracy = Object.fromEntries(runs.map((r) => [`${r.dataset} ${r.model}`, r.accuracy]));
    // A straight line gets at most 3 of the 4 XOR clusters right; the moons need a bent boundary.
    expect(accuracy['xor neuron']).toBeLessThanOrEqual(0.76);
    expect(accuracy['xor network']).toBeGreaterThan(0.95);
    expect(accuracy['moons network']).toBeGreaterThan(accuracy['moons neuron']);
    expect(accuracy['moons network']).toBeGreaterThan(0.95);
    for (const r of runs) expectPicture(r.file);
    expect(lines.join('\n')).toMatch(/One neuron draws a straight line: on XOR it can get at most 3 of the 4 clusters right/);
  });

  it('explain-digits: integrated gradients are complete, and blanking the top-attributed pixels hurts more than random ones', async () => {
    const lines: string[] = [];
    const result = await runExplainDigits({ epochs: 5, digits: [0, 3, 7], steps: 32, outputDirectory: join(folder, 'digits'), log: (line) => lines.push(line) });
    expect(result.testAccuracy).toBeGreaterThan(0.75);
    expect(result.completenessError).toBeLessThan(0.01);
    expect(result.topPixelDrop).toBeGreaterThan(2 * result.randomPixelDrop);
    expectPicture(result.file);
    expect(lines.join('\n')).toMatch(/Blanking the 8 pixels with the largest attribution lowers the predicted class's probability by \d\.\d{3} on average; 8 random inked pixels: \d\.\d{3}/);
  });

  it('explain-tabular: permutation importance, KernelSHAP and LIME for one patient, the local methods agree', async () => {
    const lines: string[] = [];
    const result = await runExplainTabular({ epochs: 20, repeats: 2, shapSamples: 512, limeSamples: 500, outputDirectory: join(folder, 'tabular'), log: (line) => lines.push(line) });
    expect(result.testAccuracy).toBeGreaterThan(0.9);
    for (const ranking of [result.permutationRanking, result.shapRanking, result.limeRanking]) expect(new Set(ranking).size).toBe(30);
    expect(Math.abs(result.shapSumError)).toBeLessThan(1e-4);
    expect(result.localAgreement).toBeGreaterThan(0.5);
    expect(result.topFiveOverlap).toBeGreaterThanOrEqual(2);
    expect(result.files).toHaveLength(3);
    result.files.forEach(expectPicture);
    expect(lines.join('\n')).toMatch(/KernelSHAP and LIME for this patient: rank correlation \d\.\d\d, \d of their 5 leading features shared/);
    expect(rankCorrelation([1, 2, 3, 4], [10, 20, 30, 40])).toBeCloseTo(1, 12);
    expect(rankCorrelation([1, 2, 3, 4], [4, 3, 2, 1])).toBeCloseTo(-1, 12);
    expect(rankCorrelation([1, 2, 2, 3], [1, 2, 2, 3])).toBeCloseTo(1, 12);
  });

  it('npm start runs the digits demo', () => {
    const pkg = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8'));
    expect(pkg.scripts.start).toBe('tsx examples/digits.ts');
  });
});
