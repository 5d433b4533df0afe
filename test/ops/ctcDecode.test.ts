import { describe, expect, it } from 'vitest';
import * as dn from '../../lib/index.js';
import { labellingProbabilities } from '../helpers/ctc-alignments.js';

/** Logits from per-step probabilities (their logs). */
function fromProbabilities(steps: number[][][]): dn.Tensor {
  return dn.log(dn.tensor(steps));
}

describe('ctcDecode', () => {
  it('decodes greedily: the best class per step, repeats merged, blanks dropped', () => {
    // Classes: 0 blank, 1, 2. Sequence 0: 1 1 _ 1 2 2 -> [1, 1, 2]; sequence 1 (4 steps used): _ 2 2 _ -> [2].
    const hot = (c: number): number[] => [0, 1, 2].map((k) => (k === c ? 0.8 : 0.1));
    const x = fromProbabilities([
      [1, 1, 0, 1, 2, 2].map(hot),
      [0, 2, 2, 0, 1, 1].map(hot),
    ]);
    const result = dn.ctcDecode(x, { inputLengths: [6, 4] });
    expect(result.decoded).toEqual([[1, 1, 2], [2]]);
    expect(result.logProbability[0]).toBeCloseTo(6 * Math.log(0.8), 5);
    expect(result.logProbability[1]).toBeCloseTo(4 * Math.log(0.8), 5);
    // Another blank index: class 2 is the blank, 0 a label.
    expect(dn.ctcDecode(x, { inputLengths: [6, 4], blank: 2 }).decoded).toEqual([[1, 0, 1], [0, 0]]);
  });

  it('finds by beam search a labelling greedy decoding misses', () => {
    // Each step: blank 0.6, label 0.4. Best path blank-blank gives [] (0.36); [1] has 0.16 + 0.24 + 0.24 = 0.64.
    const x = fromProbabilities([[[0.6, 0.4], [0.6, 0.4]]]);
    expect(dn.ctcDecode(x).decoded).toEqual([[]]);
    const beam = dn.ctcDecode(x, { strategy: 'beamSearch', beamWidth: 4 });
    expect(beam.decoded).toEqual([[1]]);
    expect(beam.logProbability[0]).toBeCloseTo(Math.log(0.64), 5);
    const top = dn.ctcDecode(x, { strategy: 'beamSearch', beamWidth: 4, topPaths: 3 });
    expect(top.decoded).toEqual([[[1]], [[]], [[]]]); // only two labellings exist
    expect(top.logProbability[0].map(Math.exp)).toEqual([expect.closeTo(0.64, 5), expect.closeTo(0.36, 5), expect.closeTo(0, 5)]);
  });

  it('returns the most probable labellings of brute-force enumeration when the beam is wide enough', () => {
    const time = 5;
    const classes = 3;
    const x = dn.randn([4, time, classes], { seed: 21, std: 1.2 });
    const lengths = [5, 5, 4, 3];
    const result = dn.ctcDecode(x, { inputLengths: lengths, strategy: 'beamSearch', beamWidth: 500, topPaths: 3 });
    const values = x.dataSync();
    for (let b = 0; b < 4; b++) {
      const exact = [...labellingProbabilities(values.subarray(b * time * classes, (b + 1) * time * classes), lengths[b], classes, 0)].sort((p, q) => q[1] - p[1]);
      for (let p = 0; p < 3; p++) {
        expect(result.decoded[p][b].join(',')).toBe(exact[p][0]);
        expect(result.logProbability[b][p]).toBeCloseTo(Math.log(exact[p][1]), 4);
      }
    }
  });

  it('rejects bad options naming them', () => {
    const x = dn.randn([1, 3, 4], { seed: 1 });
    expect(() => dn.ctcDecode(x, { strategy: 'beam' as never })).toThrow(/strategy/);
    expect(() => dn.ctcDecode(x, { strategy: 'greedy', topPaths: 2 })).toThrow(/topPaths > 1 needs strategy 'beamSearch'/);
    expect(() => dn.ctcDecode(x, { strategy: 'beamSearch', beamWidth: 2, topPaths: 3 })).toThrow(/topPaths must be at most beamWidth/);
    expect(() => dn.ctcDecode(x, { beamWidth: 0 })).toThrow(/beamWidth/);
    expect(() => dn.ctcDecode(x, { blank: 4 })).toThrow(/blank/);
    expect(() => dn.ctcDecode(x, { inputLengths: [4] })).toThrow(/inputLengths\[0\]/);
    expect(() => dn.ctcDecode(dn.zeros([3, 4]))).toThrow(dn.ShapeError);
    expect(() => dn.ctcDecode(x, { topK: 1 } as never)).toThrow(/topK/);
  });
});
