/**
 * Feature scaling, fitted on the training set and applied unchanged to the test set (fitting on
 * the test set would leak it into training). Same maths as scikit-learn's StandardScaler and
 * MinMaxScaler: statistics per column of an `[rows, features]` matrix, in double precision.
 *
 * ```ts
 * const scaler = dn.data.standardScaler().fit(xTrain);
 * const xTrainScaled = scaler.transform(xTrain);
 * const xTestScaled = scaler.transform(xTest);
 * ```
 */
import { ShapeError, ValueError } from '../errors.js';
import { checkFloat, makeTensor, Tensor, toTensor, type TensorLike } from '../tensor.js';
import { contiguous } from '../ops/shape.js';
import { checkBoolean, checkNumber, checkOptions, formatShape, typeError } from '../validate.js';

/** The rows and columns of a 2-D float32 input, contiguous. */
function matrix(where: string, x: unknown): { values: Float32Array; rows: number; cols: number } {
  if (x === undefined || x === null) typeError(where, 'x', 'a 2-D Tensor or nested array [rows, features]', x);
  const t = checkFloat(where, 'x', toTensor(where, 'x', x));
  if (t.rank !== 2) {
    throw new ShapeError(`${where}: x must be 2-D [rows, features], got shape ${formatShape(t.shape)}${t.rank === 1 ? ' (reshape a single feature to [rows, 1])' : ''}`);
  }
  return { values: contiguous(t.detach()).storage as Float32Array, rows: t.shape[0], cols: t.shape[1] };
}

/** The base of the scalers: fit/transform bookkeeping and checks. */
abstract class Scaler {
  /** The class name, for messages. */
  abstract readonly className: string;
  /** Per-feature `offset` and `factor`: transform(x) = (x - offset) * factor. Null before fit. */
  protected offset: Float64Array | null = null;
  protected factor: Float64Array | null = null;

  /** Whether {@link Scaler.fit} has run. */
  get fitted(): boolean {
    return this.offset !== null;
  }

  /** The number of features seen by fit (0 before). */
  get featureCount(): number {
    return this.offset === null ? 0 : this.offset.length;
  }

  /** Learns the per-feature statistics from `x` ([rows, features], at least one row, finite values). */
  fit(x: TensorLike): this {
    const where = `${this.className}.fit`;
    const { values, rows, cols } = matrix(where, x);
    if (rows === 0) throw new ValueError(`${where}: x has no rows; fit needs at least one`);
    for (let i = 0; i < values.length; i++) {
      if (!Number.isFinite(values[i])) {
        throw new ValueError(`${where}: x[${Math.floor(i / cols)}][${i % cols}] is ${values[i]}; fit needs finite values (impute or drop missing ones first)`);
      }
    }
    this.learn(values, rows, cols);
    return this;
  }

  protected abstract learn(values: Float32Array, rows: number, cols: number): void;

  /** Scales `x` with the fitted statistics; returns a new float32 tensor. */
  transform(x: TensorLike): Tensor {
    const where = `${this.className}.transform`;
    const { offset, factor } = this.checkFitted(where);
    const { values, rows, cols } = this.checkWidth(where, x);
    const out = new Float32Array(rows * cols);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) out[r * cols + c] = (values[r * cols + c] - offset[c]) * factor[c];
    }
    return makeTensor(out, [rows, cols]);
  }

  /** `fit(x)` then `transform(x)`. */
  fitTransform(x: TensorLike): Tensor {
    return this.fit(x).transform(x);
  }

  /** Undoes {@link Scaler.transform}: back to the original units (predictions of a scaled target). */
  inverseTransform(x: TensorLike): Tensor {
    const where = `${this.className}.inverseTransform`;
    const { offset, factor } = this.checkFitted(where);
    const { values, rows, cols } = this.checkWidth(where, x);
    const out = new Float32Array(rows * cols);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) out[r * cols + c] = values[r * cols + c] / factor[c] + offset[c];
    }
    return makeTensor(out, [rows, cols]);
  }

  private checkFitted(where: string): { offset: Float64Array; factor: Float64Array } {
    if (this.offset === null || this.factor === null) {
      throw new ValueError(`${where}: the scaler is not fitted yet; call fit(xTrain) first (on the training data only)`);
    }
    return { offset: this.offset, factor: this.factor };
  }

  private checkWidth(where: string, x: unknown): { values: Float32Array; rows: number; cols: number } {
    const m = matrix(where, x);
    if (m.cols !== this.featureCount) {
      throw new ShapeError(`${where}: x has ${m.cols} features (shape [${m.rows}, ${m.cols}]), the scaler was fitted on ${this.featureCount}`);
    }
    return m;
  }

  /** A float32 tensor of per-feature values, or null before fit. */
  protected vector(values: Float64Array | null): Tensor | null {
    return values === null ? null : makeTensor(Float32Array.from(values), [values.length]);
  }
}

/** Options of {@link standardScaler}. */
export interface StandardScalerOptions {
  /** Subtract the mean. Default true. */
  withMean?: boolean;
  /** Divide by the standard deviation. Default true. */
  withStd?: boolean;
}

/** Standardizes each feature to mean 0 and standard deviation 1 (scikit-learn `StandardScaler`). */
export class StandardScaler extends Scaler {
  readonly className = 'StandardScaler';
  readonly withMean: boolean;
  readonly withStd: boolean;
  private means: Float64Array | null = null;
  private deviations: Float64Array | null = null;

  constructor(options: StandardScalerOptions = {}) {
    super();
    const where = 'standardScaler';
    const o = checkOptions<StandardScalerOptions>(where, options, ['withMean', 'withStd']);
    this.withMean = o.withMean === undefined ? true : checkBoolean(where, 'withMean', o.withMean);
    this.withStd = o.withStd === undefined ? true : checkBoolean(where, 'withStd', o.withStd);
  }

  protected learn(values: Float32Array, rows: number, cols: number): void {
    const mean = new Float64Array(cols);
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) mean[c] += values[r * cols + c];
    for (let c = 0; c < cols; c++) mean[c] /= rows;
    const variance = new Float64Array(cols);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        const d = values[r * cols + c] - mean[c];
        variance[c] += d * d;
      }
    }
    const std = new Float64Array(cols);
    for (let c = 0; c < cols; c++) {
      // Population standard deviation (ddof 0), as scikit-learn; a constant feature keeps scale 1.
      const s = Math.sqrt(variance[c] / rows);
      std[c] = s > 0 ? s : 1;
    }
    this.means = mean;
    this.deviations = std;
    this.offset = this.withMean ? mean : new Float64Array(cols);
    this.factor = Float64Array.from(std, (s) => (this.withStd ? 1 / s : 1));
  }

  /** The per-feature means learned by fit (float32 `[features]`), or null before fit. */
  get mean(): Tensor | null {
    return this.vector(this.means);
  }

  /** The per-feature standard deviations (population; 1 for a constant feature), or null before fit. */
  get std(): Tensor | null {
    return this.vector(this.deviations);
  }
}

/** Options of {@link minMaxScaler}. */
export interface MinMaxScalerOptions {
  /** The range each feature is mapped to, `[min, max]` with min < max. Default [0, 1]. */
  featureRange?: [number, number];
}

/** Maps each feature's training range onto `featureRange` (scikit-learn `MinMaxScaler`). */
export class MinMaxScaler extends Scaler {
  readonly className = 'MinMaxScaler';
  readonly featureRange: readonly [number, number];
  private minima: Float64Array | null = null;
  private maxima: Float64Array | null = null;

  constructor(options: MinMaxScalerOptions = {}) {
    super();
    const where = 'minMaxScaler';
    const o = checkOptions<MinMaxScalerOptions>(where, options, ['featureRange']);
    if (o.featureRange === undefined) {
      this.featureRange = [0, 1];
    } else {
      const range = o.featureRange;
      if (!Array.isArray(range) || range.length !== 2) typeError(where, 'featureRange', 'an array [min, max]', range);
      const low = checkNumber(where, 'featureRange[0]', range[0]);
      const high = checkNumber(where, 'featureRange[1]', range[1]);
      if (!(low < high)) throw new ValueError(`${where}: featureRange must be [min, max] with min < max, got [${low}, ${high}]`);
      this.featureRange = [low, high];
    }
  }

  protected learn(values: Float32Array, rows: number, cols: number): void {
    const min = new Float64Array(cols).fill(Infinity);
    const max = new Float64Array(cols).fill(-Infinity);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        const v = values[r * cols + c];
        if (v < min[c]) min[c] = v;
        if (v > max[c]) max[c] = v;
      }
    }
    const [low, high] = this.featureRange;
    const factor = new Float64Array(cols);
    const offset = new Float64Array(cols);
    for (let c = 0; c < cols; c++) {
      // A constant feature has no range: scale 1, as scikit-learn does, so it maps to `low`.
      const range = max[c] - min[c] > 0 ? max[c] - min[c] : 1;
      factor[c] = (high - low) / range;
      // (x - offset) * factor = (x - min) * factor + low
      offset[c] = min[c] - low / factor[c];
    }
    this.minima = min;
    this.maxima = max;
    this.offset = offset;
    this.factor = factor;
  }

  /** The per-feature minima seen by fit (float32), or null before fit. */
  get dataMin(): Tensor | null {
    return this.vector(this.minima);
  }

  /** The per-feature maxima seen by fit (float32), or null before fit. */
  get dataMax(): Tensor | null {
    return this.vector(this.maxima);
  }
}

/** A scaler to mean 0, standard deviation 1 per feature: fit on the training set, transform both. */
export function standardScaler(options?: StandardScalerOptions): StandardScaler {
  return new StandardScaler(options);
}

/** A scaler mapping each feature's training range onto `featureRange` (default [0, 1]). */
export function minMaxScaler(options?: MinMaxScalerOptions): MinMaxScaler {
  return new MinMaxScaler(options);
}
