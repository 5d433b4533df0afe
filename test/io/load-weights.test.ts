// dn.io.loadWeights: a PyTorch state_dict saved as safetensors, written here by hand in PyTorch's
// layouts, loaded onto Dendrite layers; each layer's output is checked against a forward pass written
// here with PyTorch's formulas (nn.Linear, nn.Conv2d on NCHW, nn.LSTM, nn.GRU).
import { describe, expect, it } from 'vitest';
import * as dn from '../../lib/index.js';
import { SerializationError, ShapeError, ValueError } from '../../lib/errors.js';
import { Rng } from '../helpers/rng.js';


/** A safetensors file from named tensors of any dtype (F32 from numbers, others from raw bytes). */
function safetensors(tensors: Record<string, { dtype?: string; shape: number[]; values?: ArrayLike<number>; bytes?: Uint8Array }>): Uint8Array {
  const header: Record<string, unknown> = {};
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    const bytes = t.bytes ?? new Uint8Array(Float32Array.from(t.values!).buffer);
    header[name] = { dtype: t.dtype ?? 'F32', shape: t.shape, data_offsets: [offset, offset + bytes.length] };
    chunks.push(bytes);
    offset += bytes.length;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let p = 8 + json.length;
  for (const c of chunks) {
    out.set(c, p);
    p += c.length;
  }
  return out;
}

const random = new Rng(7);
const values = (n: number) => Array.from({ length: n }, () => random.next() - 0.5);
const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
const close = (actual: ArrayLike<number>, expected: ArrayLike<number>) => {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) expect(Math.abs(actual[i] - expected[i]), `element ${i}`).toBeLessThan(1e-5);
};

describe('io.loadWeights from a PyTorch state_dict', () => {
  it('nn.Linear: weight [out, in] transposed, by layer name and through a mapping', async () => {
    const w = values(3 * 4), b = values(3), x = values(2 * 4);
    const file = safetensors({ 'fc.weight': { shape: [3, 4], values: w }, 'fc.bias': { shape: [3], values: b }, 'other.weight': { shape: [1], values: [1] } });
    const model = dn.sequential({ layers: [dn.layers.dense({ units: 3, inputShape: [4], name: 'fc' })] });
    const report = await dn.io.loadWeights(model, file);
    expect(report.matched.map((m) => [m.weight, m.source])).toEqual([['fc/kernel', 'fc.weight'], ['fc/bias', 'fc.bias']]);
    expect(report.unused).toEqual(['other.weight']);
    const y = model.predict(dn.tensor(x, [2, 4])).dataSync();
    const expected = [0, 1].flatMap((n) => [0, 1, 2].map((o) => b[o] + [0, 1, 2, 3].reduce((s, i) => s + x[n * 4 + i] * w[o * 4 + i], 0)));
    close(y, expected);

    const other = dn.sequential({ layers: [dn.layers.dense({ units: 3, inputShape: [4] })] });
    await dn.io.loadWeights(other, file, { mapping: { [other.layers[0].name]: 'fc' } });
    close(other.predict(dn.tensor(x, [2, 4])).dataSync(), expected);
  });

  it('nn.Conv2d (OIHW on NCHW data) and BatchNorm2d (running statistics, int64 counter unused)', async () => {
    const [n, c, h, wd, o, k] = [1, 2, 4, 4, 3, 3];
    const w = values(o * c * k * k), b = values(o), x = values(n * c * h * wd);
    const mean = values(o), variance = values(o).map((v) => v + 1), gamma = values(o), beta = values(o);
    const file = safetensors({
      'conv.weight': { shape: [o, c, k, k], values: w }, 'conv.bias': { shape: [o], values: b },
      'bn.weight': { shape: [o], values: gamma }, 'bn.bias': { shape: [o], values: beta },
      'bn.running_mean': { shape: [o], values: mean }, 'bn.running_var': { shape: [o], values: variance },
      'bn.num_batches_tracked': { dtype: 'I64', shape: [], bytes: new Uint8Array(new BigInt64Array([5n]).buffer) },
    });
    const model = dn.sequential({ layers: [
      dn.layers.conv2d({ filters: o, kernelSize: k, padding: 'same', inputShape: [c, h, wd], dataFormat: 'channelsFirst', name: 'conv' }),
      dn.layers.batchNormalization({ axis: 1, epsilon: 1e-5, name: 'bn' }),
    ] });
    const report = await dn.io.loadWeights(model, file);
    expect(report.unused).toEqual(['bn.num_batches_tracked']);
    expect(report.matched.find((m) => m.weight === 'conv/kernel')?.conversion).toBe('OIHW → HWIO');
    const y = model.predict(dn.tensor(x, [n, c, h, wd])).dataSync();
    // PyTorch: out[o, i, j] = b[o] + Σ w[o, ci, di, dj] x[ci, i + di - 1, j + dj - 1], then (v - mean) / √(var + eps) γ + β.
    const expected: number[] = [];
    for (let oc = 0; oc < o; oc++) {
      for (let i = 0; i < h; i++) {
        for (let j = 0; j < wd; j++) {
          let s = b[oc];
          for (let ci = 0; ci < c; ci++) for (let di = 0; di < k; di++) for (let dj = 0; dj < k; dj++) {
            const yi = i + di - 1, xj = j + dj - 1;
            if (yi >= 0 && yi < h && xj >= 0 && xj < wd) s += w[((oc * c + ci) * k + di) * k + dj] * x[(ci * h + yi) * wd + xj];
          }
          expected.push(((s - mean[oc]) / Math.sqrt(variance[oc] + 1e-5)) * gamma[oc] + beta[oc]);
        }
      }
    }
    close(y, expected);
  });

  it('nn.LSTM (gates i, f, g, o; two biases) and nn.GRU (gates r, z, n; resetAfter)', async () => {
    const [steps, inputs, units] = [3, 2, 2];
    const x = values(steps * inputs);
    const lstm = { ih: values(4 * units * inputs), hh: values(4 * units * units), bi: values(4 * units), bh: values(4 * units) };
    const gru = { ih: values(3 * units * inputs), hh: values(3 * units * units), bi: values(3 * units), bh: values(3 * units) };
    const file = safetensors({
      'rnn.weight_ih_l0': { shape: [4 * units, inputs], values: lstm.ih }, 'rnn.weight_hh_l0': { shape: [4 * units, units], values: lstm.hh },
      'rnn.bias_ih_l0': { shape: [4 * units], values: lstm.bi }, 'rnn.bias_hh_l0': { shape: [4 * units], values: lstm.bh },
      'gru.weight_ih_l0': { shape: [3 * units, inputs], values: gru.ih }, 'gru.weight_hh_l0': { shape: [3 * units, units], values: gru.hh },
      'gru.bias_ih_l0': { shape: [3 * units], values: gru.bi }, 'gru.bias_hh_l0': { shape: [3 * units], values: gru.bh },
    });
    const input = dn.input({ shape: [steps, inputs] });
    const model = dn.model({ inputs: input, outputs: [dn.layers.lstm({ units, name: 'rnn' }).apply(input), dn.layers.gru({ units, name: 'gru' }).apply(input)] });
    await dn.io.loadWeights(model, file);
    const [lstmOut, gruOut] = model.predict(dn.tensor(x, [1, steps, inputs])).map((t) => t.dataSync());
    // PyTorch's formulas: a gate row r of W·x + b is Σ W[r, i] x[i] + b_ih[r] + (U·h)[r] + b_hh[r].
    const gate = (W: number[], U: number[], bi: number[], bh: number[], xt: number[], hp: number[], r: number) =>
      [bi[r], ...xt.map((v, i) => W[r * inputs + i] * v)].reduce((a, q) => a + q, 0) + [bh[r], ...hp.map((v, i) => U[r * units + i] * v)].reduce((a, q) => a + q, 0);
    let h = [0, 0], cState = [0, 0];
    for (let t = 0; t < steps; t++) {
      const xt = x.slice(t * inputs, (t + 1) * inputs);
      const g = (block: number, u: number) => gate(lstm.ih, lstm.hh, lstm.bi, lstm.bh, xt, h, block * units + u);
      const next = [0, 1].map((u) => sigmoid(g(1, u)) * cState[u] + sigmoid(g(0, u)) * Math.tanh(g(2, u)));
      h = [0, 1].map((u) => sigmoid(g(3, u)) * Math.tanh(next[u]));
      cState = next;
    }
    close(lstmOut, h);
    h = [0, 0];
    for (let t = 0; t < steps; t++) {
      const xt = x.slice(t * inputs, (t + 1) * inputs);
      const lin = (W: number[], b: number[], v: number[], cols: number, r: number) => b[r] + v.reduce((a, q, i) => a + W[r * cols + i] * q, 0);
      h = [0, 1].map((u) => {
        const r = sigmoid(lin(gru.ih, gru.bi, xt, inputs, u) + lin(gru.hh, gru.bh, h, units, u));
        const z = sigmoid(lin(gru.ih, gru.bi, xt, inputs, units + u) + lin(gru.hh, gru.bh, h, units, units + u));
        const nGate = Math.tanh(lin(gru.ih, gru.bi, xt, inputs, 2 * units + u) + r * lin(gru.hh, gru.bh, h, units, 2 * units + u));
        return (1 - z) * nGate + z * h[u];
      });
    }
    close(gruOut, h);
  });

  it('reports what is missing, refuses wrong shapes and bad files with typed errors', async () => {
    const model = dn.sequential({ layers: [dn.layers.dense({ units: 2, inputShape: [3], name: 'a' }), dn.layers.dense({ units: 1, name: 'b' })] });
    const file = safetensors({ 'a.weight': { shape: [2, 3], values: values(6) }, 'a.bias': { shape: [2], values: values(2) } });
    await expect(dn.io.loadWeights(model, file)).rejects.toThrow(/no weights .* for b/);
    const report = await dn.io.loadWeights(model, file, { strict: false });
    expect(report.missing).toEqual(['b/kernel', 'b/bias']);
    const wrong = safetensors({ 'a.weight': { shape: [3, 2], values: values(6) }, 'a.bias': { shape: [2], values: values(2) } });
    await expect(dn.io.loadWeights(model, wrong, { strict: false })).rejects.toThrow(ShapeError);
    await expect(dn.io.loadWeights(model, file.subarray(0, file.length - 3))).rejects.toThrow(SerializationError);
    await expect(dn.io.loadWeights(model, '/nonexistent.safetensors')).rejects.toThrow(SerializationError);
    await expect(dn.io.loadWeights(model, file, { mapping: { nope: 'x' } })).rejects.toThrow(ValueError);
    await expect(dn.io.loadWeights(model, file, { bogus: 1 } as never)).rejects.toThrow(/bogus/);
    await expect(dn.io.loadWeights({} as never, file)).rejects.toThrow(TypeError);
    const half = safetensors({ 'a.weight': { dtype: 'F16', shape: [2, 3], bytes: new Uint8Array(new Uint16Array([0x3c00, 0xc000, 0, 0x3800, 0, 0]).buffer) }, 'a.bias': { dtype: 'BF16', shape: [2], bytes: new Uint8Array(new Uint16Array([0x3f80, 0x4000]).buffer) } });
    await dn.io.loadWeights(model, half, { strict: false });
    expect(Array.from(model.layers[0].weights[0].value.dataSync())).toEqual([1, 0.5, -2, 0, 0, 0]);
    expect(Array.from(model.layers[0].weights[1].value.dataSync())).toEqual([1, 2]);
  });
});
