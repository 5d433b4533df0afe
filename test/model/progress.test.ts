// Progress: a bar per epoch on a terminal, one line per epoch elsewhere, nothing at verbose 0.
import { describe, expect, it } from 'vitest';
import * as dn from '../../lib/index.js';
import { ArgumentTypeError, ValueError } from '../../lib/errors.js';
import { formatDuration, formatValue, ProgressLogger } from '../../lib/model/progress.js';

function capture(isTTY: boolean): { stream: { isTTY: boolean; write: (text: string) => boolean }; text: () => string } {
  const chunks: string[] = [];
  return { stream: { isTTY, write: (text: string) => { chunks.push(text); return true; } }, text: () => chunks.join('') };
}

async function train(logger: ProgressLogger, validation: boolean): Promise<void> {
  const model = dn.sequential({ layers: [dn.layers.dense({ units: 1, activation: 'sigmoid', inputShape: [2] })] });
  model.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy', metrics: ['accuracy'] });
  const x = dn.rand([40, 2], { seed: 1 });
  const y = dn.tensor(Float32Array.from(x.dataSync().filter((_, i) => i % 2 === 0), (v) => (v > 0.5 ? 1 : 0)), [40, 1]);
  await model.fit(x, y, { epochs: 2, batchSize: 8, verbose: 0, callbacks: [logger], ...(validation ? { validationSplit: 0.25 } : {}) });
}

describe('progress: should throw', () => {
  it('validates its options', () => {
    expect(() => new ProgressLogger({ verbose: 3 })).toThrow(ValueError);
    expect(() => new ProgressLogger({ stream: 'stdout' as never })).toThrow(ArgumentTypeError);
    expect(() => new ProgressLogger({ refresh: 10 } as never)).toThrow(/did you mean 'refreshMs'/);
  });
});

describe('progress', () => {
  it('draws a bar with loss, metrics, samples/s and ETA on a terminal', async () => {
    const out = capture(true);
    await train(new ProgressLogger({ stream: out.stream, refreshMs: 0 }), true);
    const text = out.text();
    expect(text).toContain('Epoch 1/2\n');
    expect(text).toContain('Epoch 2/2\n');
    expect(text).toMatch(/\r1\/4 \[={6}>\.{23}\] - ETA [^-]+ - loss: \d\.\d{4} - accuracy: \d\.\d{4} - [\d,]+ samples\/s/);
    // The finished epoch: a full bar, the elapsed time, training and validation values.
    expect(text).toMatch(/\r4\/4 \[={30}\] - [\d.]+m?s - loss: \d\.\d{4} - accuracy: \d\.\d{4} - val_loss: \d\.\d{4} - val_accuracy: \d\.\d{4} - [\d,]+ samples\/s\x1b\[K\n/);
  });

  it('writes one line per epoch when not a terminal (and with verbose 2)', async () => {
    for (const [isTTY, verbose] of [[false, 1], [true, 2]] as const) {
      const out = capture(isTTY);
      await train(new ProgressLogger({ stream: out.stream, verbose }), false);
      const lines = out.text().split('\n').filter(Boolean);
      expect(lines.length).toBe(2);
      expect(lines[0]).toMatch(/^Epoch 1\/2 - [\d.]+m?s - loss: \d\.\d{4} - accuracy: \d\.\d{4} - [\d,]+ samples\/s$/);
      expect(out.text()).not.toContain('\r');
    }
  });

  it('writes nothing at verbose 0', async () => {
    const out = capture(true);
    await train(new ProgressLogger({ stream: out.stream, verbose: 0 }), true);
    expect(out.text()).toBe('');
  });

  it('formats values and durations as Keras does', () => {
    expect(formatValue(0.123456)).toBe('0.1235');
    expect(formatValue(0.00012345)).toBe('1.2345e-4');
    expect(formatValue(0)).toBe('0.0000');
    expect(formatValue(Number.NaN)).toBe('NaN');
    expect(formatDuration(0.25)).toBe('250ms');
    expect(formatDuration(12.34)).toBe('12.3s');
    expect(formatDuration(125)).toBe('2m 05s');
  });
});
