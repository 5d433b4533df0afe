// examples/export-onnx.ts with a short training: both engines agree and the file loads back.
import { describe, expect, it } from 'vitest';
import { runExportOnnx } from '../../examples/export-onnx.js';

describe('examples/export-onnx.ts', () => {
  it('trains, exports, runs in onnxruntime with the same probabilities, and loads back bit for bit', async () => {
    const lines: string[] = [];
    const result = await runExportOnnx({ epochs: 2, log: (line) => lines.push(line) });
    expect(result.maxDifference).toBeLessThan(1e-5);
    expect(Math.abs(result.onnxAccuracy - result.dendriteAccuracy)).toBeLessThanOrEqual(1 / 360);
    expect(result.dendriteAccuracy).toBeGreaterThan(0.3);
    expect(result.weightsRoundTrip).toBe(true);
    expect(lines.join('\n')).toMatch(/Largest difference over 360 test images/);
    expect(lines.filter((l) => l.includes('onnxruntime  '))).toHaveLength(3);
  });
});
