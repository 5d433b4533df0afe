// A recommender: predict how a user rates an item from who they are and what it is.
//
//   npx tsx examples/recommender.ts
//
// A two-tower matrix-factorisation model: a user tower and an item tower each turn an id into an
// 8-number embedding (a `dense` layer over the one-hot id, which is what an embedding layer
// computes), a `dot` layer joins them, and per-user and per-item biases are added:
//
//   rating ≈ mean + user·item + userBias + itemBias
//
// The ratings are SYNTHETIC (no ratings data set with a licence that allows shipping it is
// available to the project), generated with known ground truth so the result can be judged:
// - 300 users and 200 items, each with 4 latent factors drawn from N(0, 0.6²), a user bias and an
//   item bias from N(0, 0.4²), around a global mean of 3.5;
// - a rating is mean + bias_u + bias_i + u·v + noise N(0, 0.3²), rounded and clipped to 1..5 stars;
// - 15,000 of the 60,000 (user, item) pairs are rated, chosen at random; 80 % train, 10 % validation,
//   10 % test. Everything is drawn from dn.Generator with a fixed seed.
// The example reports the test RMSE against the mean-rating baseline (predicting the training mean
// for everyone) and against the best achievable (the ground truth before noise and rounding).
//
// In your own code: `import * as dn from 'dendrite'`.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as dn from '../lib/index.js';

export interface RecommenderOptions {
  /** Default 10. */
  epochs?: number;
  /** Default 0. */
  seed?: number;
  /** Default 0 (quiet); 1 shows the progress. */
  verbose?: 0 | 1;
  /** Save the trained model here and check that the reloaded one predicts the same (null: no save). */
  saveDirectory?: string | null;
  log?: (line: string) => void;
}

/** Synthetic ratings with the ground truth they were drawn from. */
export interface Ratings {
  users: number;
  items: number;
  /** Per rating: the user id, the item id (int32), and the rating, 1..5 (float32). */
  user: Int32Array;
  item: Int32Array;
  rating: Float32Array;
  /** Per rating: the expected rating before noise and rounding (what a perfect model predicts). */
  truth: Float32Array;
}

export const USERS = 300;
export const ITEMS = 200;
export const TRUE_FACTORS = 4;
const RATINGS = 15_000;
const GLOBAL_MEAN = 3.5;
/** Embedding size of each tower: larger than the true 4, as one would not know it. */
const EMBEDDING = 8;

/** Draws the synthetic ratings described at the top of this file. */
export function syntheticRatings(seed = 0): Ratings {
  const generator = new dn.Generator(seed);
  const userFactors = generator.fillNormal(new Float64Array(USERS * TRUE_FACTORS), 0, 0.6);
  const itemFactors = generator.fillNormal(new Float64Array(ITEMS * TRUE_FACTORS), 0, 0.6);
  const userBias = generator.fillNormal(new Float64Array(USERS), 0, 0.4);
  const itemBias = generator.fillNormal(new Float64Array(ITEMS), 0, 0.4);
  // Which pairs are rated: the first RATINGS of a random permutation of all pairs.
  const pairs = generator.permutation(USERS * ITEMS).subarray(0, RATINGS);
  const user = new Int32Array(RATINGS);
  const item = new Int32Array(RATINGS);
  const rating = new Float32Array(RATINGS);
  const truth = new Float32Array(RATINGS);
  for (let r = 0; r < RATINGS; r++) {
    const u = Math.floor(pairs[r] / ITEMS);
    const i = pairs[r] % ITEMS;
    let expected = GLOBAL_MEAN + userBias[u] + itemBias[i];
    for (let f = 0; f < TRUE_FACTORS; f++) expected += userFactors[u * TRUE_FACTORS + f] * itemFactors[i * TRUE_FACTORS + f];
    user[r] = u;
    item[r] = i;
    truth[r] = expected;
    rating[r] = Math.min(5, Math.max(1, Math.round(expected + generator.normal(0, 0.3))));
  }
  return { users: USERS, items: ITEMS, user, item, rating, truth };
}

/** The two-tower model: inputs `user` and `item` (one-hot ids), output the rating minus the mean. */
export function recommenderModel(users: number, items: number, seed = 0): dn.Functional<dn.Tensor> {
  const small = (k: number) => dn.initializers.randomNormal({ stddev: 0.1, seed: seed + k });
  const penalty = dn.regularizers.l2({ l2: 3e-4 });
  const user = dn.input({ shape: [users], name: 'user' });
  const item = dn.input({ shape: [items], name: 'item' });
  const userVector = dn.layers.dense({ units: EMBEDDING, useBias: false, kernelInitializer: small(1), kernelRegularizer: penalty, name: 'user_embedding' }).apply(user);
  const itemVector = dn.layers.dense({ units: EMBEDDING, useBias: false, kernelInitializer: small(2), kernelRegularizer: penalty, name: 'item_embedding' }).apply(item);
  const userBias = dn.layers.dense({ units: 1, useBias: false, kernelInitializer: 'zeros', name: 'user_bias' }).apply(user);
  const itemBias = dn.layers.dense({ units: 1, useBias: false, kernelInitializer: 'zeros', name: 'item_bias' }).apply(item);
  const affinity = dn.layers.dot({ axes: 1, name: 'affinity' }).apply([userVector, itemVector]);
  const rating = dn.layers.add({ name: 'rating' }).apply([affinity, userBias, itemBias]);
  return dn.model({ inputs: [user, item], outputs: rating, name: 'two_tower' });
}

export interface RecommenderResult {
  model: dn.Functional<dn.Tensor>;
  testRmse: number;
  /** Predicting the training mean for every rating. */
  baselineRmse: number;
  /** The ground truth before noise and rounding: the best any model can do. */
  truthRmse: number;
  /** 'same' when the reloaded model predicts exactly the same, null without saveDirectory. */
  reload: 'same' | 'different' | null;
}

/** A predicted rating on the star scale: the model's output plus the mean, clipped to 1..5. */
function stars(output: number, mean: number): number {
  return Math.min(5, Math.max(1, output + mean));
}

function rmse(predicted: ArrayLike<number>, actual: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < actual.length; i++) sum += (predicted[i] - actual[i]) ** 2;
  return Math.sqrt(sum / actual.length);
}

export async function runRecommender(options: RecommenderOptions = {}): Promise<RecommenderResult> {
  const { epochs = 10, seed = 0, verbose = 0, saveDirectory = null, log = console.log } = options;
  const data = syntheticRatings(seed);
  const n = data.rating.length;
  const trainEnd = Math.floor(0.8 * n);
  const validationEnd = Math.floor(0.9 * n);
  const part = (start: number, end: number) => ({
    user: dn.tensor(data.user.slice(start, end)),
    item: dn.tensor(data.item.slice(start, end)),
    rating: data.rating.slice(start, end),
    truth: data.truth.slice(start, end),
  });
  const train = part(0, trainEnd);
  const validation = part(trainEnd, validationEnd);
  const test = part(validationEnd, n);
  const mean = train.rating.reduce((a, b) => a + b, 0) / train.rating.length;
  // The model learns the rating minus the training mean.
  const centred = (ratings: Float32Array) => dn.tensor(ratings.map((r) => r - mean), [ratings.length, 1]);
  // Ids stay ids in the pipeline; each batch is one-hot encoded as it is read.
  const oneHot = ({ xs, ys }: { xs: { user: dn.Tensor; item: dn.Tensor }; ys: dn.Tensor }) => ({
    xs: { user: dn.oneHot(xs.user, data.users), item: dn.oneHot(xs.item, data.items) },
    ys,
  });
  const batches = dn.data.dataset({ xs: { user: train.user, item: train.item }, ys: centred(train.rating) }).shuffle(trainEnd, { seed }).batch(64).map(oneHot);
  const validationBatches = dn.data.dataset({ xs: { user: validation.user, item: validation.item }, ys: centred(validation.rating) }).batch(512).map(oneHot);
  log(`Synthetic ratings: ${data.users} users, ${data.items} items, ${n} ratings (1..5 stars) from ${TRUE_FACTORS} latent factors; ` +
    `${train.rating.length} to train, ${validation.rating.length} to validate, ${test.rating.length} to test`);

  dn.seed(seed);
  const model = recommenderModel(data.users, data.items, seed);
  // The loss includes the embeddings' L2 penalty; the mse metric is the error alone.
  model.compile({ optimizer: dn.optimizers.adam(5e-3), loss: 'mse', metrics: ['mse'] });
  const history = await model.fit(batches, { epochs, validationData: validationBatches, verbose });
  const validationMse = history.history.val_mse;
  log(`After ${epochs} epochs: validation RMSE ${Math.sqrt(validationMse[validationMse.length - 1]).toFixed(3)} (before clipping to 1..5 stars)`);

  const testInputs = { user: dn.oneHot(test.user, data.users), item: dn.oneHot(test.item, data.items) };
  const predicted = model.predict(testInputs).dataSync();
  const result: RecommenderResult = {
    model,
    testRmse: rmse(Array.from(predicted, (p) => stars(p, mean)), test.rating),
    baselineRmse: rmse(new Float32Array(test.rating.length).fill(mean), test.rating),
    truthRmse: rmse(test.truth, test.rating),
    reload: null,
  };
  log(`Test RMSE ${result.testRmse.toFixed(3)} stars; the mean-rating baseline ${result.baselineRmse.toFixed(3)}; ` +
    `the ground truth itself ${result.truthRmse.toFixed(3)} (the noise and rounding no model can remove)`);

  // The five items user 0 has not rated that the model would recommend first.
  const rated = new Set(Array.from(data.item.filter((_, r) => data.user[r] === 0)));
  const candidates = Array.from({ length: data.items }, (_, i) => i).filter((i) => !rated.has(i));
  const scores = model.predict({
    user: dn.oneHot(dn.tensor(new Int32Array(candidates.length)), data.users),
    item: dn.oneHot(dn.tensor(Int32Array.from(candidates)), data.items),
  }).dataSync();
  const top = candidates.map((item, k) => ({ item, score: scores[k] })).sort((a, b) => b.score - a.score).slice(0, 5);
  log(`Top 5 for user 0 (of ${candidates.length} items not yet rated): ${top.map((t) => `item ${t.item} (${stars(t.score, mean).toFixed(1)} stars)`).join(', ')}`);

  if (saveDirectory !== null) {
    await model.save(saveDirectory);
    const loaded = await dn.loadModel(saveDirectory);
    const again = loaded.predict(testInputs).dataSync();
    result.reload = again.every((v, i) => Object.is(v, predicted[i])) ? 'same' : 'different';
    log(`Saved to ${saveDirectory}; the reloaded model predicts ${result.reload === 'same' ? 'exactly the same' : 'DIFFERENTLY'}`);
  }
  return result;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await runRecommender({ verbose: 1 });
}
