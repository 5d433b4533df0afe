/**
 * Loading a Dendrite model over http(s): `dn.loadModel('https://host/models/digits')` fetches
 * `model.json` from that folder (or the `.json` URL given) and the weights file beside it, with the
 * checks of a load from disk: model.json within the size limits, the weights exactly the size
 * model.json gives (a longer body is cut off as it arrives) and matching its SHA-256.
 */
import { SerializationError } from '../errors.js';
import { LOAD_LIMITS } from './limits.js';
import { MODEL_FILE, parseDescription, sha256, WEIGHTS_FILE } from './model-files.js';
import { descriptionUrl, fetchBounded, urlBeside } from './locations.js';

/** Fetches model.json and its weights from `url`; SerializationError if either is unusable. */
export async function fetchModelFiles(url: URL): Promise<{ model: Record<string, unknown>; weights: Buffer }> {
  const where = 'loadModel';
  const modelUrl = descriptionUrl(url, MODEL_FILE);
  const description = parseDescription(await fetchBounded(where, modelUrl, LOAD_LIMITS.descriptionBytes));
  const weightsUrl = urlBeside(where, modelUrl, WEIGHTS_FILE);
  const weights = await fetchBounded(where, weightsUrl, description.bytes);
  if (weights.length !== description.bytes || sha256(weights) !== description.digest) {
    throw new SerializationError(
      `${where}: ${weightsUrl.href} does not match ${modelUrl.href} (expected ${description.bytes} bytes with SHA-256 ${description.digest.slice(0, 12)}…, got ${weights.length} bytes): truncated or corrupted`,
    );
  }
  return { model: description.model, weights };
}
