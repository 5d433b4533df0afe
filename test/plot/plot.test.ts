// Pictures: every kind renders (SVG that parses as XML; a PNG that decodes, has the size asked for and
// is not blank), the same input gives the same picture, the content is right, and each kind matches its
// golden image (test/plot/golden; UPDATE_GOLDEN=1 rewrites them after a deliberate change: look at them).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as dn from '../../lib/index.js';
import { ArgumentTypeError, ShapeError, ValueError } from '../../lib/errors.js';
import { checkXml, compareImages, decodePng, inkShare } from '../helpers/png.js';
import { markerOf } from '../../lib/plot/axes.js';

const golden = join(import.meta.dirname, 'golden');
const scratch = mkdtempSync(join(tmpdir(), 'dendrite-plot-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A fixed linear classifier on two features: class 1 where x0 + 0.5 x1 > 0.2. */
function linearClassifier(): dn.Sequential {
  const model = dn.sequential({ layers: [dn.layers.dense({ units: 1, activation: 'sigmoid', inputShape: [2] })] });
  model.setWeights([dn.tensor([[4], [2]]), dn.tensor([-0.8])]);
  return model;
}

/** Points on a fixed lattice, labelled by the linear rule (plus two deliberate mistakes). */
function lattice(): { x: dn.Tensor; y: number[] } {
  const rows: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < 7; i++) {
    for (let j = 0; j < 7; j++) {
      const p = [-1 + i / 3, -1 + j / 3];
      rows.push(p);
      y.push(Number(p[0] + 0.5 * p[1] > 0.2));
    }
  }
  y[3] = 1 - y[3];
  y[40] = 1 - y[40];
  return { x: dn.tensor(rows), y };
}

/** A small image batch: 3 images of 6x6 with a bright square in different places. */
function squares(): dn.Tensor {
  const values = new Float32Array(3 * 36);
  for (let i = 0; i < 3; i++) for (let r = i; r < i + 3; r++) for (let c = 1; c < 4; c++) values[i * 36 + r * 6 + c] = 1;
  return dn.tensor(values, [3, 6, 6]);
}

const history = {
  loss: [1.2, 0.8, 0.6, 0.5, 0.45, 0.41], val_loss: [1.1, 0.85, 0.7, 0.62, 0.6, 0.61],
  accuracy: [0.5, 0.7, 0.8, 0.85, 0.87, 0.89], val_accuracy: [0.55, 0.68, 0.76, 0.8, 0.81, 0.82],
};

/** One picture of each kind, small, from fixed numbers (no training: identical on every ISA). */
const pictures: Record<string, () => string> = {
  trainingCurves: () => dn.plot.trainingCurves(history, { width: 520, height: 240 }),
  decisionBoundary: () => dn.plot.decisionBoundary(linearClassifier(), lattice().x, lattice().y, { width: 320, height: 280, resolution: 60, classNames: ['no', 'yes'] }),
  confusionMatrix: () => dn.plot.confusionMatrix([0, 0, 1, 1, 2, 2, 2, 1], [0, 1, 1, 1, 2, 0, 2, 1], { classNames: ['cat', 'dog', 'bird'] }),
  attributionMap: () => {
    const images = squares();
    const attributions = images.sub(0.3).mul(dn.arange(0, 108).reshape([3, 6, 6]).div(108));
    return dn.plot.attributionMap(images, { method: attributions }, { labels: ['a', 'b', 'c'], cellSize: 60 });
  },
  featureImportance: () => dn.plot.featureImportance({ importances: [0.02, 0.3, -0.05, 0.1], std: [0.01, 0.04, 0.02, 0.03] }, { featureNames: ['age', 'income', 'noise', 'height'], width: 360 }),
  scatter: () => dn.plot.scatter(lattice().x, { labels: lattice().y, width: 300, height: 260 }),
  histogram: () => dn.plot.histogram(dn.linspace(-1, 1, 201).pow(3), { bins: 20, width: 320, height: 220 }),
  imageGrid: () => dn.plot.imageGrid(squares(), { labels: ['one', 'two', 'three'], cellSize: 48 }),
};

function svgSize(svg: string): [number, number] {
  const m = /<svg[^>]* width="([\d.]+)" height="([\d.]+)"/.exec(svg);
  if (m === null) throw new Error('no svg size');
  return [Number(m[1]), Number(m[2])];
}

describe('plot: should throw', () => {
  it('names the argument, the expected and the received value', () => {
    const model = linearClassifier();
    const three = dn.ones([4, 3]);
    expect(() => dn.plot.decisionBoundary(model, three, [0, 1, 0, 1])).toThrow(ShapeError);
    expect(() => dn.plot.decisionBoundary(model, three, [0, 1, 0, 1])).toThrow('plot.decisionBoundary: x has 3 features; choose the two to draw with features: [i, j] (the others are fixed at their mean)');
    expect(() => dn.plot.decisionBoundary(model, dn.ones([4, 2]), [0, 1, 0])).toThrow(ShapeError);
    expect(() => dn.plot.decisionBoundary(model, dn.ones([4, 2]), [0, 1, 0, 0.5])).toThrow(ValueError);
    expect(() => dn.plot.decisionBoundary(model, dn.ones([4, 2]), [0, 1, 0, 1], { resolution: 1 })).toThrow(ValueError);
    expect(() => dn.plot.confusionMatrix([0, 1], [0])).toThrow(ShapeError);
    expect(() => dn.plot.confusionMatrix([0, 3], [0, 1], { classNames: ['a', 'b'] })).toThrow(/classNames names 2 classes, but the labels go up to 3/);
    expect(() => dn.plot.trainingCurves({})).toThrow(/nothing logged/);
    expect(() => dn.plot.trainingCurves(history, { metrics: ['auc'] })).toThrow(/'auc' was not logged; logged: loss, accuracy/);
    expect(() => dn.plot.trainingCurves(3 as never)).toThrow(ArgumentTypeError);
    expect(() => dn.plot.histogram([1, 2], { file: join(scratch, 'h.jpg') })).toThrow("plot.histogram: file must end in .svg or .png, got '");
    expect(() => dn.plot.histogram([1, 2], { width: 10 })).toThrow(ValueError);
    expect(() => dn.plot.histogram([1, 2], { colour: 'red' } as never)).toThrow(/unknown option 'colour'/);
    expect(() => dn.plot.imageGrid(dn.ones([2, 5, 5, 2]))).toThrow(/1 or 3 channels/);
    expect(() => dn.plot.imageGrid(dn.ones([2, 10]), { shape: [3, 3] })).toThrow(ShapeError);
    expect(() => dn.plot.attributionMap(squares(), dn.ones([2, 6, 6]))).toThrow(/has 2 maps of 6x6, the images are 3/);
    expect(() => dn.plot.featureImportance({ something: 1 })).toThrow(ArgumentTypeError);
    expect(() => dn.plot.featureImportance([1, 2], { featureNames: ['a'] })).toThrow(ShapeError);
    expect(() => dn.plot.scatter(dn.ones([3, 3]))).toThrow(ShapeError);
    expect(() => dn.plot.toPng('<svg', { scale: 0 })).toThrow(ValueError);
  });
});

describe('plot', () => {
  for (const [kind, draw] of Object.entries(pictures)) {
    it(`${kind}: SVG parses as XML, is deterministic, renders to a PNG of its size that is not blank, and matches its golden image`, () => {
      const svg = draw();
      expect(checkXml(svg)).toBe('svg');
      expect(draw()).toBe(svg);
      const [width, height] = svgSize(svg);
      const file = join(scratch, `${kind}.png`);
      // The picture functions write the file named in `file` (the same picture as returned).
      const again = kind === 'histogram' ? dn.plot.histogram(dn.linspace(-1, 1, 201).pow(3), { bins: 20, width: 320, height: 220, file }) : (dn.plot.save(svg, file), svg);
      expect(again).toBe(svg);
      const image = decodePng(readFileSync(file));
      expect([image.width, image.height]).toEqual([Math.round(width), Math.round(height)]);
      expect(inkShare(image)).toBeGreaterThan(0.02);
      const twice = decodePng(dn.plot.toPng(svg, { scale: 2 }));
      expect([twice.width, twice.height]).toEqual([Math.round(2 * width), Math.round(2 * height)]);

      const goldenFile = join(golden, `${kind}.png`);
      if (process.env.UPDATE_GOLDEN === '1') {
        mkdirSync(golden, { recursive: true });
        writeFileSync(goldenFile, readFileSync(file));
      }
      const { meanDifference, differingShare } = compareImages(image, decodePng(readFileSync(goldenFile)));
      expect(meanDifference).toBeLessThan(1.5);
      expect(differingShare).toBeLessThan(0.005);
    });
  }

  it('the golden comparison fails for a different picture', () => {
    const a = decodePng(dn.plot.toPng(dn.plot.histogram([1, 2, 2, 3], { width: 200, height: 150 })));
    const b = decodePng(dn.plot.toPng(dn.plot.histogram([1, 2, 3, 3], { width: 200, height: 150 })));
    expect(compareImages(a, b).differingShare).toBeGreaterThan(0.005);
    expect(compareImages(a, a)).toEqual({ meanDifference: 0, differingShare: 0 });
  });

  it('decisionBoundary draws the boundary where the model changes its mind', () => {
    // The model's boundary is the line 4 x0 + 2 x1 = 0.8: every point of the drawn path lies on it.
    const { x, y } = lattice();
    const svg = dn.plot.decisionBoundary(linearClassifier(), x, y, { width: 400, height: 400, resolution: 80 });
    const path = /<path d="([^"]+)" fill="none" stroke="#222222"/.exec(svg)![1];
    const points = [...path.matchAll(/[ML]([\d.-]+) ([\d.-]+)/g)].map((m) => [Number(m[1]), Number(m[2])]);
    expect(points.length).toBeGreaterThan(20);
    // Pixels back to data: the frame (the axes' outline) spans the padded data range.
    const frame = /<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)" fill="none" stroke="#555555"/.exec(svg)!.slice(1).map(Number);
    const box = { x: frame[0], y: frame[1], width: frame[2], height: frame[3] };
    expect(box.width).toBeGreaterThan(250);
    const half = (1 + 1) * 1.16 / 79 / 2;
    const [low, high] = [-1 - 0.16 - half, 1 + 0.16 + half];
    for (const [px, py] of points) {
      const x0 = low + ((px - box.x) / box.width) * (high - low);
      const x1 = high - ((py - box.y) / box.height) * (high - low);
      expect(Math.abs(4 * x0 + 2 * x1 - 0.8)).toBeLessThan(0.05);
    }
    // Several features: two chosen, the others at their mean.
    const wide = dn.tensor((x.toArray() as number[][]).map(([a, b]) => [a, 5, b]));
    const fn = (t: dn.Tensor): dn.Tensor => linearClassifier().predict(dn.concat([t.slice([0, 0], [-1, 1]), t.slice([0, 2], [-1, 1])], 1));
    expect(checkXml(dn.plot.decisionBoundary(fn, wide, y, { features: [0, 2] }))).toBe('svg');
  });

  it('scatter draws every point inside the frame, none on its edge', () => {
    const svg = dn.plot.scatter(lattice().x, { labels: lattice().y, width: 300, height: 260 });
    const frame = /<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)" fill="none" stroke="#555555"/.exec(svg)!.slice(1).map(Number);
    const circles = [...svg.matchAll(/<circle cx="([\d.]+)" cy="([\d.]+)" r="4"/g)].map((m) => [Number(m[1]), Number(m[2])]);
    const squares = [...svg.matchAll(/<rect x="([\d.]+)" y="([\d.]+)" width="7.2" height="7.2"/g)].map((m) => [Number(m[1]) + 3.6, Number(m[2]) + 3.6]);
    // The 49 points (the legend's markers are larger), all well inside.
    expect(circles.length + squares.length).toBe(49);
    const inside = [...circles, ...squares].filter(([cx, cy]) => cx > frame[0] + 4 && cx < frame[0] + frame[2] - 4 && cy > frame[1] + 4 && cy < frame[1] + frame[3] - 4);
    expect(inside).toHaveLength(49);
  });

  it('scatter with many classes: the legend wraps inside the picture, and no two classes look alike', () => {
    const points = dn.tensor(Array.from({ length: 40 }, (_, i) => [i % 7, Math.floor(i / 7)]));
    const labels = Array.from({ length: 40 }, (_, i) => i % 10);
    const svg = dn.plot.scatter(points, { labels, width: 400, height: 360 });
    const entries = [...svg.matchAll(/<text x="([\d.]+)" y="([\d.]+)"[^>]*>class (\d)<\/text>/g)].map((m) => ({ x: Number(m[1]), y: Number(m[2]), label: Number(m[3]) }));
    expect(entries.map((e) => e.label)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // On several lines, each label starting and (at 7 px a character) ending inside the picture.
    expect(new Set(entries.map((e) => e.y)).size).toBeGreaterThan(1);
    for (const e of entries) expect(e.x > 0 && e.x + 7 * 'class 0'.length < 400).toBe(true);
    // Above the frame: nothing covers the data.
    const frameTop = Number(/<rect x="[\d.]+" y="([\d.]+)" width="[\d.]+" height="[\d.]+" fill="none" stroke="#555555"/.exec(svg)![1]);
    for (const e of entries) expect(e.y).toBeLessThan(frameTop - 6);
    // The palette has 8 colours: classes 8 and 9 take other shapes than classes 0 and 1.
    const look = new Set(Array.from({ length: 32 }, (_, c) => `${dn.plot.PALETTE[c % 8]} ${markerOf(c)}`));
    expect(look.size).toBe(32);
  });

  it('confusionMatrix counts each (true, predicted) pair', () => {
    const svg = dn.plot.confusionMatrix([0, 0, 1, 1, 2, 2, 2], dn.tensor([[0.9, 0.1, 0], [0.2, 0.7, 0.1], [0, 1, 0], [0, 1, 0], [0, 0, 1], [1, 0, 0], [0, 0, 1]]));
    const cells = [...svg.matchAll(/font-size="13"[^>]*>(\d+)<\/text>/g)].map((m) => Number(m[1]));
    expect(cells).toEqual([1, 1, 0, 0, 2, 0, 1, 0, 2]);
    const shares = dn.plot.confusionMatrix([0, 0, 1], [0, 1, 1], { normalize: true });
    expect(shares).toContain('>0.50</text>');
  });

  it('trainingCurves draws one point per epoch for training and validation, a panel per quantity', () => {
    const svg = dn.plot.trainingCurves(history);
    const lines = [...svg.matchAll(/<path d="(M[^"]+)" fill="none" stroke="(#[0-9A-F]+)" stroke-width="2.2"/g)];
    expect(lines).toHaveLength(4);
    for (const [, d] of lines) expect(d.match(/[ML]/g)).toHaveLength(6);
    expect(dn.plot.trainingCurves(history, { metrics: ['loss'] }).match(/stroke-width="2.2"/g)).toHaveLength(2);
    // A History from fit works as is.
    const h = new dn.History();
    h.onTrainBegin();
    h.onEpochEnd(0, { loss: 1 });
    h.onEpochEnd(1, { loss: 0.5 });
    expect(checkXml(dn.plot.trainingCurves(h))).toBe('svg');
  });

  it('featureImportance orders by magnitude and reads explain results', () => {
    const svg = dn.plot.featureImportance([0.1, -0.5, 0.3], { featureNames: ['a', 'b', 'c'] });
    const names = [...svg.matchAll(/text-anchor="end" dominant-baseline="central" fill="#222222">([abc])<\/text>/g)].map((m) => m[1]);
    expect(names).toEqual(['b', 'c', 'a']);
    const shap = { values: dn.tensor([[1, 2], [3, -4]]), expectedValue: [0, 0] };
    expect(dn.plot.featureImportance(shap, { row: 1 })).toContain('SHAP value');
    expect(() => dn.plot.featureImportance(shap, { row: 2 })).toThrow(ValueError);
  });

  it('callbacks.liveCurves rewrites the training curves at every epoch end', async () => {
    const file = join(scratch, 'live.svg');
    const model = dn.sequential({ layers: [dn.layers.dense({ units: 1, activation: 'sigmoid', inputShape: [2] })] });
    model.compile({ optimizer: 'adam', loss: 'binaryCrossentropy', metrics: ['accuracy'] });
    const { x, y } = lattice();
    // Read after liveCurves' own hook (callbacks run in order): one more point per line each epoch.
    const pointsPerLine: number[][] = [];
    const reader = {
      onEpochEnd: () => {
        const lines = [...readFileSync(file, 'utf8').matchAll(/<path d="(M[^"]+)" fill="none" stroke="#[0-9A-F]+" stroke-width="2.2"/g)];
        pointsPerLine.push(lines.map(([, d]) => d.match(/[ML]/g)!.length));
      },
    };
    await model.fit(x, dn.tensor(y, [49, 1]), { epochs: 3, batchSize: 16, validationSplit: 0.2, verbose: 0, callbacks: [dn.callbacks.liveCurves({ file, title: 'live' }), reader] });
    // loss and accuracy panels, training and validation each.
    expect(pointsPerLine).toEqual([[1, 1, 1, 1], [2, 2, 2, 2], [3, 3, 3, 3]]);
    expect(checkXml(readFileSync(file, 'utf8'))).toBe('svg');
    expect(() => dn.callbacks.liveCurves({} as never)).toThrow(/options.file is required/);
    expect(() => dn.callbacks.liveCurves({ file: join(scratch, 'x.gif') })).toThrow(ValueError);
    expect(() => dn.callbacks.liveCurves({ file: join(scratch, 'x.png'), width: 5 })).toThrow(ValueError);
  });

  it('writes SVG files as text', () => {
    const file = join(scratch, 'grid.svg');
    const svg = dn.plot.imageGrid(squares(), { file });
    expect(readFileSync(file, 'utf8')).toBe(svg);
  });
});
