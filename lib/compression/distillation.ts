/**
 * Knowledge distillation, as the Keras example "Knowledge Distillation" (its `Distiller` model, Keras 3
 * version) does it: a small student learns from the hard labels and from a trained teacher's softened
 * outputs. For one batch, with student logits s, teacher logits t and temperature T,
 *
 *   loss = alpha * studentLoss(y, s) + (1 - alpha) * T^2 * KLD(softmax(t / T), softmax(s / T))
 *
 * where KLD is Keras' `KLDivergence` (both distributions clipped to [1e-7, 1], `sum t log(t / p)` per
 * sample, then the mean over the batch). The T^2 factor keeps the soft part's gradient, which scales as
 * 1/T^2, comparable to the hard part's as T changes (Hinton et al., 2015). The teacher runs in inference
 * mode and passes no gradient. As in Keras 3, `evaluate` reports the same combined loss.
 *
 * A model that ends in softmax is distilled from its logits: the softmax is folded away (as a
 * cross-entropy loss folds it) when the model's output feeds nothing else, and otherwise the logits are
 * recovered as log(p), which gives the same tempered softmax.
 */
import { ShapeError, ValueError } from '../errors.js';
import { makeTensor, Tensor, toTensor, type TensorLike } from '../tensor.js';
import { noGrad } from '../autograd/engine.js';
import { softmax } from '../ops/activations.js';
import { checkOptions, checkRange, formatShape, typeError } from '../validate.js';
import { get as getNamedLoss, getLoss, Loss, type LossIdentifier } from '../losses/index.js';
import { classGeometry, EPSILON, type LossGeometry, type LossInputs, type Reduction } from '../losses/loss.js';
import { KullbackLeiblerDivergence } from '../losses/kullbackLeiblerDivergence.js';
import { Model, type AnyModel, type CompileOptions } from '../model/training.js';
import { runProgram, type Program } from '../model/program.js';
import { Workspace, type Shape, type ShapeLike, type AnyLayer } from '../layers/layer.js';
import { Dense } from '../layers/dense.js';
import { ActivationLayer } from '../layers/activation.js';
import type { Activation } from '../activations.js';
import type { SaveOptions } from '../io/save-model.js';

/** Options of {@link distill} and {@link distillationLoss}. */
export interface DistillationOptions {
  /** The temperature T that softens both softmaxes (> 0). Default 3, as the Keras example's `compile`. */
  temperature?: number;
  /** The weight of the hard-label loss, in [0, 1]; the distillation term gets 1 - alpha. Default 0.1, as in Keras. */
  alpha?: number;
  /**
   * The student's loss on the hard labels: a built-in loss name or object. Default
   * `'sparseCategoricalCrossentropy'` (integer labels); give `dn.losses.get('sparseCategoricalCrossentropy',
   * { fromLogits: true })` for a student whose last layer has no softmax.
   */
  loss?: LossIdentifier;
}

/** Options of {@link distill}. */
export interface DistillOptions extends DistillationOptions {
  /** The trained model to learn from (built; its weights are not changed). */
  teacher: AnyModel;
  /** The model to train (built, with the teacher's inputs and number of classes). */
  student: AnyModel;
  /** The distiller's name. Default `distiller_<n>`. */
  name?: string;
}

interface Settings {
  temperature: number;
  alpha: number;
  loss: Loss;
}

const KLD = new KullbackLeiblerDivergence();

function checkSettings(where: string, o: Partial<DistillationOptions>): Settings {
  const temperature = o.temperature === undefined ? 3 : checkRange(where, 'temperature', o.temperature, 0, Number.MAX_VALUE, { minExclusive: true });
  const alpha = o.alpha === undefined ? 0.1 : checkRange(where, 'alpha', o.alpha, 0, 1);
  const loss = getLoss(o.loss === undefined ? 'sparseCategoricalCrossentropy' : o.loss, where);
  if (!(loss instanceof Loss)) {
    typeError(where, 'loss', "a built-in loss (a name such as 'sparseCategoricalCrossentropy' or a dn.losses object)", o.loss);
  }
  return { temperature, alpha, loss };
}

/** Logits from class probabilities: log(p) (p clipped to [1e-7, 1]) gives the same softmax at any temperature. */
function logitsOf(probabilities: Tensor): Tensor {
  return probabilities.clip(EPSILON, 1).log();
}

/**
 * The combined loss for student outputs that are logits. Sample weights and the reduction apply to
 * both parts, as each part alone would apply them.
 */
function combinedLoss(
  settings: Settings, yTrue: Tensor, studentOutput: Tensor, studentLogits: Tensor, teacherLogits: Tensor,
  weights: Float32Array | null, folded: boolean, reduction: Reduction, reuseBuffers: boolean, mask: Tensor | null,
): Tensor {
  const { temperature: t, alpha, loss } = settings;
  const hard = loss.compute(yTrue, studentOutput, weights, folded, reduction, reuseBuffers, mask);
  const teacherSoft = noGrad(() => softmax(teacherLogits.detach().div(t)));
  const studentSoft = softmax(studentLogits.div(t));
  const soft = KLD.compute(teacherSoft, studentSoft, weights, false, reduction, false, mask);
  return hard.mul(alpha).add(soft.mul((1 - alpha) * t * t));
}

/**
 * The distillation loss of one batch (differentiable with respect to `studentLogits`):
 * `alpha * loss(yTrue, studentLogits) + (1 - alpha) * T^2 * KLD(softmax(teacherLogits / T),
 * softmax(studentLogits / T))`, averaged over the samples. Both models' outputs are logits
 * (`[batch, classes]`); the hard-label loss (default `sparseCategoricalCrossentropy`) reads the
 * student's logits: a cross-entropy computes from them whether or not it was given `fromLogits`.
 * ```ts
 * const loss = dn.distillationLoss(labels, studentLogits, teacherLogits, { temperature: 4, alpha: 0.2 });
 * ```
 */
export function distillationLoss(
  yTrue: TensorLike, studentLogits: TensorLike, teacherLogits: TensorLike, options: DistillationOptions = {},
): Tensor {
  const where = 'distillationLoss';
  const o = checkOptions<DistillationOptions>(where, options, ['temperature', 'alpha', 'loss']);
  const settings = checkSettings(where, { ...o, loss: o.loss ?? getNamedLoss('sparseCategoricalCrossentropy', { fromLogits: true }) });
  const labels = toTensor(where, 'yTrue', yTrue);
  const student = toTensor(where, 'studentLogits', studentLogits);
  const teacher = toTensor(where, 'teacherLogits', teacherLogits);
  checkClassScores(where, 'studentLogits', student.shape);
  if (teacher.rank !== student.rank || !teacher.shape.every((d, i) => d === student.shape[i])) {
    throw new ShapeError(`${where}: teacherLogits must have the shape of studentLogits ${formatShape(student.shape)}, got ${formatShape(teacher.shape)}`);
  }
  // A cross-entropy that is not told fromLogits reads the logits as a model's folded softmax would give them.
  const folded = !settings.loss.fromLogits && settings.loss.foldsActivation('softmax');
  return combinedLoss(settings, labels, student, student, teacher, null, folded, settings.loss.reduction === 'sum' ? 'sum' : 'mean', false, null);
}

/** Class scores: `[batch, classes]` with at least two classes (a softmax over one class is constant). */
function checkClassScores(where: string, name: string, shape: readonly (number | null)[]): void {
  const classes = shape[shape.length - 1];
  if (shape.length !== 2 || (classes !== null && classes < 2)) {
    throw new ShapeError(`${where}: ${name} must be class scores of shape [batch, classes] with at least 2 classes, got ${formatShape(shape.map((d) => d ?? -1))}`);
  }
}

/** The softmax that ends a model's single output (a Dense or Activation layer's), with the step that applies it, or null. */
function finalSoftmax(program: Program): { step: number; foldable: boolean } | null {
  const slot = program.outputs[0];
  const index = program.steps.findIndex((s) => s.outputs.includes(slot));
  if (index < 0) return null;
  const layer: AnyLayer = program.steps[index].layer;
  const activation: Activation | null = layer instanceof Dense ? layer.activation : layer instanceof ActivationLayer ? layer.activation : null;
  if (activation === null || activation.name !== 'softmax' || activation.getConfig().axis !== undefined) return null;
  const foldable = program.foldableSteps[0] === index && !(layer instanceof Dense && layer.activityRegularizer !== null);
  return { step: index, foldable };
}

/**
 * The hard-label loss inside a distiller's training: the combined loss, reading the teacher's logits for
 * the batch the distiller's forward pass just saw. It folds the student's final softmax as its
 * hard-label loss would, so the student's logits are at hand.
 */
class DistillationLoss extends Loss {
  readonly className = 'Distillation';
  readonly name = 'distillation';
  override readonly fromLogits: boolean;

  constructor(private readonly distiller: Distiller, private readonly settings: Settings) {
    super('distill', { reduction: settings.loss.reduction === 'sum' ? 'sum' : 'mean' });
    this.fromLogits = settings.loss.fromLogits;
  }

  override foldsActivation(activation: string): boolean {
    return this.settings.loss.foldsActivation(activation);
  }

  protected override geometry(where: string, _yTrue: Tensor, yPred: Tensor): LossGeometry {
    return classGeometry(where, yPred);
  }

  /** Not reached: {@link DistillationLoss.compute} combines two losses that each run their own pass. */
  protected override evaluate(_inputs: LossInputs): number {
    throw new ValueError('distill: the distillation loss is computed inside a distiller\'s training step only');
  }

  override compute(
    yTrue: Tensor, yPred: Tensor, weights: Float32Array | null, logits: boolean, reduction: Reduction, reuseBuffers: boolean, mask: Tensor | null = null,
  ): Tensor {
    const studentLogits = logits || this.fromLogits || finalSoftmax(this.distiller.student.program) === null ? yPred : logitsOf(yPred);
    const teacherLogits = this.distiller.teacherLogits();
    return combinedLoss(this.settings, yTrue, yPred, studentLogits, teacherLogits, weights, logits, reduction, reuseBuffers, mask);
  }
}

/**
 * A model that trains its student by distillation from its teacher (the Keras example's `Distiller`):
 * compile it with an optimizer and metrics, then `fit` and `evaluate` it as any model (callbacks,
 * progress, validation, datasets). Its weights are the student's: training changes the student, and
 * `predict` runs the student. Create one with {@link distill}.
 */
export class Distiller extends Model<Tensor> {
  readonly className = 'Distiller';
  /** The model learnt from (run in inference mode, never changed). */
  readonly teacher: AnyModel;
  /** The model trained. */
  readonly student: AnyModel;
  /** The temperature of both softmaxes. */
  readonly temperature: number;
  /** The weight of the hard-label loss (the distillation term has 1 - alpha). */
  readonly alpha: number;
  private readonly settings: Settings;
  private readonly teacherWorkspace = new Workspace();
  /** The inputs of the last forward pass: what the teacher's logits are computed for. */
  private lastInputs: readonly Tensor[] | null = null;

  constructor(options: DistillOptions) {
    const where = 'distill';
    const o = checkOptions<DistillOptions>(where, options, ['teacher', 'student', 'temperature', 'alpha', 'loss', 'name']);
    if (o.name !== undefined && typeof o.name !== 'string') typeError(where, 'name', 'a string', o.name);
    super(where, o.name, 'Distiller');
    const teacher = checkModel(where, 'teacher', o.teacher);
    const student = checkModel(where, 'student', o.student);
    if (teacher === student) throw new ValueError(`${where}: teacher and student must be two different models`);
    const teacherShape = teacher.outputShape as Shape;
    const studentShape = student.outputShape as Shape;
    checkClassScores(where, `the teacher's output (${teacher.name})`, teacherShape);
    checkClassScores(where, `the student's output (${student.name})`, studentShape);
    if (teacherShape[1] !== studentShape[1]) {
      throw new ShapeError(`${where}: the teacher (${teacher.name}) has ${teacherShape[1]} classes and the student (${student.name}) ${studentShape[1]}; they must match`);
    }
    if (teacher.inputNames.length !== student.inputNames.length) {
      throw new ValueError(`${where}: the teacher has ${teacher.inputNames.length} inputs and the student ${student.inputNames.length}; they must take the same inputs`);
    }
    this.settings = checkSettings(where, o);
    this.teacher = teacher;
    this.student = student;
    this.temperature = this.settings.temperature;
    this.alpha = this.settings.alpha;
  }

  override get layers(): AnyLayer[] {
    return this.student.layers;
  }

  override get built(): boolean {
    return this.student.built;
  }

  override get inputShape(): Shape | Shape[] | null {
    return this.student.inputShape;
  }

  override get outputShape(): Shape | Shape[] | null {
    return this.student.outputShape;
  }

  override get inputNames(): readonly string[] {
    return this.student.inputNames;
  }

  override get outputNames(): readonly string[] {
    return this.student.outputNames;
  }

  override get returnsList(): boolean {
    return false;
  }

  override computeOutputShape(inputShape: ShapeLike | readonly ShapeLike[]): Shape | Shape[] {
    return this.student.computeOutputShape(inputShape);
  }

  override checkInputs(where: string, labels: readonly string[], inputs: readonly Tensor[]): void {
    this.student.checkInputs(where, labels, inputs);
    this.teacher.checkInputs(where, labels, inputs);
  }

  protected override buildProgram(): Program {
    return this.student.program;
  }

  /** The student's configuration (a distiller saves as its student). */
  override getConfig(): Record<string, unknown> {
    return this.student.getConfig();
  }

  /**
   * Configures training as `model.compile` does, without a loss: the distiller's loss is the
   * distillation loss (its hard-label part given to {@link distill}).
   * ```ts
   * distiller.compile({ optimizer: 'adam', metrics: ['accuracy'] });
   * ```
   */
  override compile(options: Omit<CompileOptions, 'loss' | 'lossWeights'>): void {
    const where = 'compile';
    if (options === undefined) throw new ValueError(`${where}: options are required, e.g. distiller.compile({ optimizer: 'adam', metrics: ['accuracy'] })`);
    const o = checkOptions<CompileOptions>(where, options, ['optimizer', 'metrics', 'loss']);
    if (o.loss !== undefined) {
      throw new ValueError(`${where}: a distiller's loss is the distillation loss; give the student's hard-label loss to dn.distill({ loss })`);
    }
    super.compile({ ...o, loss: new DistillationLoss(this, this.settings) });
  }

  /** Saves the student (what distillation trains), as `student.save` does. */
  override async save(directory: string, options?: SaveOptions): Promise<void> {
    await this.student.save(directory, options);
  }

  /** The student as one Buffer, as `student.saveToBuffer` does. */
  override async saveToBuffer(options?: SaveOptions): Promise<Buffer> {
    return this.student.saveToBuffer(options);
  }

  protected override forward(
    inputs: readonly Tensor[], training: boolean, workspace: Workspace | null, logits: Uint8Array | null, losses: Tensor[] | null,
    outputMasks?: (Tensor | null)[],
  ): Tensor[] {
    this.lastInputs = inputs;
    return super.forward(inputs, training, workspace, logits, losses, outputMasks);
  }

  /** @internal The teacher's logits (inference mode, no gradient) for the inputs of the last forward pass. */
  teacherLogits(): Tensor {
    const inputs = this.lastInputs;
    if (inputs === null) throw new ValueError('distill: the teacher runs on the inputs of a training or evaluation step');
    const program = this.teacher.program;
    const softmaxStep = finalSoftmax(program);
    return noGrad(() => {
      let flags: Uint8Array | null = null;
      if (softmaxStep !== null && softmaxStep.foldable) (flags = new Uint8Array(program.steps.length))[softmaxStep.step] = 1;
      const [out] = runProgram(program, inputs, { training: false, trainable: false, workspace: this.teacherWorkspace, logits: flags, losses: null });
      if (softmaxStep !== null && !softmaxStep.foldable) return logitsOf(out);
      // The output may live in a reused buffer: the loss reads it within this step only.
      return makeTensor(out.isContiguous ? out.storage : out.detach().clone().storage, out.shape);
    });
  }

  override toString(): string {
    return `Distiller(${this.teacher.name} -> ${this.student.name}, temperature ${this.temperature}, alpha ${this.alpha})`;
  }
}

function checkModel(where: string, name: string, value: unknown): AnyModel {
  if (!(value instanceof Model)) typeError(where, name, 'a model (dn.sequential or dn.model)', value);
  const model = value as AnyModel;
  if (!model.built) {
    throw new ValueError(`${where}: the ${name} (${model.name}) is not built yet: give its first layer an inputShape, or build it (model.build([null, ...inputShape]))`);
  }
  if (model.outputNames.length !== 1) {
    throw new ValueError(`${where}: the ${name} (${model.name}) has ${model.outputNames.length} outputs; distillation needs one output of class scores`);
  }
  return model;
}

/**
 * A {@link Distiller}: a model that trains `student` on the hard labels and on `teacher`'s softened
 * outputs (knowledge distillation, as the Keras example's `Distiller`). Compile it (optimizer and
 * metrics), fit and evaluate it like any model; the student's weights are what it trains, and it
 * saves as the student.
 * ```ts
 * const distiller = dn.distill({ teacher, student, temperature: 4, alpha: 0.1 });
 * distiller.compile({ optimizer: 'adam', metrics: ['accuracy'] });
 * await distiller.fit(xTrain, yTrain, { epochs: 10 });
 * student.predict(xTest);
 * ```
 */
export function distill(options: DistillOptions): Distiller {
  if (options === null || typeof options !== 'object') typeError('distill', 'options', 'an object { teacher, student, temperature, alpha, loss }', options);
  return new Distiller(options);
}
