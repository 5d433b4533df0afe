/**
 * Where a model is saved to or loaded from: a path, a `file://` URL (as TensorFlow.js for Node
 * writes them), or, for loading, an `http://` / `https://` URL read with `fetch`.
 *
 * `file://` URLs follow tfjs-node: `file:///abs/path` is the absolute path (percent escapes
 * decoded, as any file URL), and `file://relative/path` (which tfjs programs write as
 * `file://./model` or `file://${dir}`) is the path after the prefix. Browser storage schemes
 * (`indexeddb://`, `localstorage://`, `downloads://`) have no meaning in Node and are refused with
 * a ValueError naming the scheme, as is any other scheme: a path that happens to contain `://`
 * is never written as a folder named after the scheme.
 */
import { fileURLToPath } from 'node:url';
import { SerializationError, ValueError } from '../errors.js';
import { describe } from '../validate.js';

/** A model location: a file-system path, or an http(s) URL (loading only). */
export type ModelLocation = { kind: 'file'; path: string } | { kind: 'http'; url: URL };

/** Schemes that TensorFlow.js uses in browsers, with what to do instead. */
const BROWSER_SCHEMES: Readonly<Record<string, string>> = {
  indexeddb: 'IndexedDB is browser storage',
  localstorage: 'localStorage is browser storage',
  downloads: 'downloads:// triggers a browser download',
};

const SCHEME = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//;

/**
 * Parses a model location given as `argument` to `where`. `use` says whether it is read from
 * (http(s) allowed) or written to (files only). Throws ValueError for a scheme Node cannot use.
 */
export function parseModelLocation(where: string, argument: string, value: string, use: 'load' | 'save'): ModelLocation {
  const match = SCHEME.exec(value);
  if (match === null) {
    if (value.length === 0) throw new ValueError(`${where}: ${argument} must be a path or URL, got an empty string`);
    return { kind: 'file', path: value };
  }
  const scheme = match[1].toLowerCase();
  if (scheme === 'file') {
    const rest = value.slice(match[0].length);
    // file:///abs and file://localhost/abs are real file URLs; file://relative is tfjs-node's form.
    const path = rest.startsWith('/') || rest.startsWith('localhost/') ? fileURLToPath(value) : rest;
    if (path.length === 0) throw new ValueError(`${where}: ${argument} ${describe(value)} names no path after file://`);
    return { kind: 'file', path };
  }
  if (scheme === 'http' || scheme === 'https') {
    if (use === 'save') {
      throw new ValueError(
        `${where}: ${argument} ${describe(value)}: saving to ${scheme}:// is not supported; save to a folder (a path or file:// URL) and serve that folder`,
      );
    }
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new ValueError(`${where}: ${argument} ${describe(value)} is not a valid ${scheme} URL`);
    }
    return { kind: 'http', url };
  }
  const browser = BROWSER_SCHEMES[scheme];
  const why = browser === undefined ? `Dendrite ${use}s models from paths, file:// URLs${use === 'load' ? ' and http(s):// URLs' : ''}` : `${browser}, which Node does not have`;
  throw new ValueError(`${where}: ${argument} ${describe(value)} uses the scheme '${scheme}://', which is not supported: ${why}; use a path or file:// URL`);
}

/** The most bytes one fetched file may have before its size is known to be wanted. */
function tooLarge(where: string, url: URL, bytes: number, maxBytes: number): SerializationError {
  return new SerializationError(`${where}: ${url.href} is ${bytes} bytes, more than the ${maxBytes} expected`);
}

/**
 * Fetches `url` whole, refusing (SerializationError) a failed request, a non-2xx status, or a body
 * over `maxBytes` (checked against Content-Length first, then while reading, so an endless body
 * stops there).
 */
export async function fetchBounded(where: string, url: URL, maxBytes: number): Promise<Buffer> {
  let response: Response;
  try {
    response = await fetch(url, { redirect: 'follow' });
  } catch (error) {
    const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
    throw new SerializationError(`${where}: cannot fetch ${url.href}: ${String(cause?.message ?? (error as Error).message)}`);
  }
  if (!response.ok) {
    await response.body?.cancel().catch(() => {});
    throw new SerializationError(`${where}: fetching ${url.href} failed with HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`);
  }
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel().catch(() => {});
    throw tooLarge(where, url, declared, maxBytes);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  if (response.body !== null) {
    const reader = response.body.getReader();
    for (;;) {
      let step: Awaited<ReturnType<typeof reader.read>>;
      try {
        step = await reader.read();
      } catch (error) {
        throw new SerializationError(`${where}: reading ${url.href} failed: ${(error as Error).message}`);
      }
      if (step.done) break;
      total += step.value.length;
      if (total > maxBytes) {
        await reader.cancel().catch(() => {});
        throw tooLarge(where, url, total, maxBytes);
      }
      chunks.push(step.value);
    }
  }
  return Buffer.concat(chunks, total);
}

/**
 * The URL of `name` beside `base` (a file's URL, or a folder's ending in `/`); refused
 * (SerializationError) when `name` is absolute, another origin, or leaves the folder of `base`.
 */
export function urlBeside(where: string, base: URL, name: string): URL {
  const folder = new URL('./', base);
  let url: URL;
  try {
    url = new URL(name, folder);
  } catch {
    throw new SerializationError(`${where}: ${describe(name)} is not a valid relative path`);
  }
  if (url.origin !== folder.origin || !url.pathname.startsWith(folder.pathname) || /^[a-zA-Z][a-zA-Z0-9+.-]*:|^\/|\\/.test(name)) {
    throw new SerializationError(`${where}: ${describe(name)} leaves the model folder ${folder.href}: refused`);
  }
  return url;
}

/**
 * The URL of a model's `model.json` from the URL given: the URL itself when it names a `.json`
 * file, else `model.json` inside the folder it names.
 */
export function descriptionUrl(url: URL, fileName: string): URL {
  if (url.pathname.endsWith('.json')) return url;
  const folder = new URL(url.href);
  if (!folder.pathname.endsWith('/')) folder.pathname += '/';
  return new URL(fileName, folder);
}
