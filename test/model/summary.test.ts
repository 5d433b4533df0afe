// model.summary(): the Keras-style table.
import { describe, expect, it } from 'vitest';
import * as dn from '../../lib/index.js';
import { ArgumentTypeError, ValueError } from '../../lib/errors.js';

describe('summary: should throw', () => {
  it('validates its options', () => {
    const model = dn.sequential({ layers: [dn.layers.dense({ units: 1, inputShape: [2] })] });
    expect(() => model.summary({ lineLength: 10 })).toThrow(ValueError);
    expect(() => model.summary({ printFn: 'log' as never })).toThrow(ArgumentTypeError);
    expect(() => model.summary({ linelength: 80 } as never)).toThrow(/did you mean 'lineLength'/);
  });
});

describe('summary', () => {
  it('prints layers, output shapes and parameter counts', () => {
    const model = dn.sequential({
      name: 'summary_model',
      layers: [
        dn.layers.dense({ units: 64, activation: 'relu', inputShape: [784], name: 'hidden' }),
        dn.layers.dropout({ rate: 0.2, name: 'drop' }),
        dn.layers.dense({ units: 10, activation: 'softmax', name: 'output' }),
      ],
    });
    model.getLayer('output').trainable = false;
    const lines: string[] = [];
    const text = model.summary({ printFn: (line) => lines.push(line) });
    expect(text).toBe(lines.join('\n'));
    expect(lines).toEqual([
      'Model: "summary_model"',
      '_________________________________________________________________',
      ' Layer (type)                Output Shape             Param #',
      '=================================================================',
      ' hidden (Dense)              [null, 64]               50240',
      '',
      ' drop (Dropout)              [null, 64]               0',
      '',
      ' output (Dense)              [null, 10]               650',
      '=================================================================',
      'Total params: 50,890 (198.79 KB)',
      'Trainable params: 50,240 (196.25 KB)',
      'Non-trainable params: 650 (2.54 KB)',
      '_________________________________________________________________',
    ]);
  });

  it('marks layers that are not built yet', () => {
    const lines: string[] = [];
    dn.sequential({ layers: [dn.layers.dense({ units: 3, name: 'later' })] }).summary({ printFn: (l) => lines.push(l) });
    expect(lines.find((l) => l.includes('later'))).toMatch(/later \(Dense\)\s+\(not built\)\s+\?/);
  });
});
