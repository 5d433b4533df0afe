// Model locations in the main API: file:// URLs for every function that takes a model path (save,
// loadModel, modelCheckpoint), http(s):// loading through fetch against a loopback server, and the
// browser schemes refused with a ValueError naming the scheme.
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as dn from '../../lib/index.js';
import { SerializationError, ValueError } from '../../lib/errors.js';
import { parseModelLocation, urlBeside } from '../../lib/io/locations.js';

const scratch = mkdtempSync(join(tmpdir(), 'dendrite-locations-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function small(): dn.Sequential {
  const model = dn.sequential({
    layers: [
      dn.layers.dense({ units: 5, activation: 'tanh', inputShape: [3], kernelInitializer: dn.initializers.glorotUniform({ seed: 3 }) }),
      dn.layers.dense({ units: 2, kernelInitializer: dn.initializers.glorotUniform({ seed: 4 }) }),
    ],
  });
  model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
  return model;
}
const x = dn.randn([4, 3], { seed: 1 });

function sameWeights(a: dn.Model, b: dn.Model): void {
  const wa = a.getWeights();
  const wb = b.getWeights();
  expect(wb.length).toBe(wa.length);
  wa.forEach((t, i) => expect(Array.from(wb[i].dataSync())).toEqual(Array.from(t.dataSync())));
}

describe('file:// URLs', () => {
  it('save writes the folder the URL names (not a folder called file:), and loadModel reads it back', async () => {
    const model = small();
    const target = join(scratch, 'absolute model');
    const url = pathToFileURL(target).href; // percent-encoded space
    await model.save(url);
    expect(existsSync(join(target, 'model.json'))).toBe(true);
    // What the path taken literally would have made: ./file:/<target>.
    expect(existsSync(join(process.cwd(), 'file:', target))).toBe(false);
    sameWeights(model, await dn.loadModel(url));
    sameWeights(model, await dn.loadModel(target));
  });

  it("accepts tfjs-node's relative form file://./dir and file://dir", async () => {
    const model = small();
    const target = join(scratch, 'relative');
    const rel = relative(process.cwd(), target);
    await model.save(`file://${rel}`);
    expect(existsSync(join(target, 'model.json'))).toBe(true);
    sameWeights(model, await dn.loadModel(`file://./${rel}`));
  });

  it('modelCheckpoint saves to file:// templates', async () => {
    const model = small();
    const base = join(scratch, 'checkpoints');
    const checkpoint = dn.callbacks.modelCheckpoint({ filepath: `${pathToFileURL(base).href}/epoch-{epoch}`, monitor: 'loss', verbose: 0 });
    await model.fit(x, dn.randn([4, 2], { seed: 2 }), { epochs: 2, verbose: 0, callbacks: [checkpoint] });
    expect(readdirSync(base).sort()).toEqual(['epoch-1', 'epoch-2']);
    expect(JSON.parse(readFileSync(join(base, 'epoch-2', 'model.json'), 'utf8')).format).toBe('dendrite.model');
  });

  it('parses the forms tfjs-node writes', () => {
    expect(parseModelLocation('t', 'p', 'file:///tmp/a%20b', 'save')).toEqual({ kind: 'file', path: '/tmp/a b' });
    expect(parseModelLocation('t', 'p', 'file://localhost/tmp/m', 'load')).toEqual({ kind: 'file', path: '/tmp/m' });
    expect(parseModelLocation('t', 'p', 'file://./m', 'save')).toEqual({ kind: 'file', path: './m' });
    expect(parseModelLocation('t', 'p', 'models/m', 'save')).toEqual({ kind: 'file', path: 'models/m' });
    expect(() => parseModelLocation('t', 'p', 'file://', 'save')).toThrow(ValueError);
  });
});

describe('schemes Node cannot use', () => {
  for (const scheme of ['indexeddb', 'localstorage', 'downloads', 'ftp']) {
    it(`${scheme}:// is a ValueError naming the scheme (save, load, checkpoint)`, async () => {
      const url = `${scheme}://my-model`;
      await expect(small().save(url)).rejects.toThrow(ValueError);
      await expect(small().save(url)).rejects.toThrow(`'${scheme}://'`);
      await expect(dn.loadModel(url)).rejects.toThrow(`'${scheme}://'`);
      expect(() => dn.callbacks.modelCheckpoint({ filepath: url })).toThrow(`'${scheme}://'`);
    });
  }
  it('nothing is written for a refused scheme', async () => {
    const name = `never-written-${process.pid}`;
    await expect(small().save(`indexeddb://${name}`)).rejects.toThrow(ValueError);
    expect(existsSync(join(process.cwd(), 'indexeddb:', name))).toBe(false);
  });
  it('saving to http(s) is refused before anything is sent', async () => {
    await expect(small().save('http://127.0.0.1:9/m')).rejects.toThrow(/saving to http:\/\/ is not supported/);
    expect(() => dn.callbacks.modelCheckpoint({ filepath: 'https://h/m' })).toThrow(ValueError);
  });
});

describe('http(s):// loading through fetch', () => {
  let server: Server;
  let base = '';
  const files = new Map<string, Buffer | (() => Buffer)>();
  const requests: string[] = [];
  beforeAll(async () => {
    server = createServer((request, response) => {
      requests.push(request.url!);
      const body = files.get(request.url!);
      if (body === undefined) {
        response.writeHead(404).end('not found');
        return;
      }
      const data = typeof body === 'function' ? body() : body;
      response.writeHead(200, { 'content-type': 'application/octet-stream' }).end(data);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  async function serve(prefix: string, model: dn.Model): Promise<void> {
    const folder = join(scratch, `served${prefix.replaceAll('/', '-')}`);
    await model.save(folder);
    files.set(`${prefix}/model.json`, readFileSync(join(folder, 'model.json')));
    files.set(`${prefix}/weights.safetensors`, readFileSync(join(folder, 'weights.safetensors')));
  }

  it('loads from the folder URL and from the model.json URL, predicting the same', async () => {
    const model = small();
    await serve('/models/a', model);
    for (const url of [`${base}/models/a`, `${base}/models/a/`, `${base}/models/a/model.json`]) {
      const loaded = await dn.loadModel(url);
      sameWeights(model, loaded);
      expect(Array.from((loaded.predict(x) as dn.Tensor).dataSync())).toEqual(Array.from((model.predict(x) as dn.Tensor).dataSync()));
      expect(loaded.optimizer).not.toBeNull();
    }
  });

  it('a missing file, a truncated or corrupted weights file are SerializationErrors', async () => {
    await expect(dn.loadModel(`${base}/nothing/here`)).rejects.toThrow(/HTTP 404/);
    const model = small();
    await serve('/models/b', model);
    const good = files.get('/models/b/weights.safetensors') as Buffer;
    files.set('/models/b/weights.safetensors', good.subarray(0, good.length - 3));
    await expect(dn.loadModel(`${base}/models/b`)).rejects.toThrow(SerializationError);
    const flipped = Buffer.from(good);
    flipped[flipped.length - 1] ^= 1;
    files.set('/models/b/weights.safetensors', flipped);
    await expect(dn.loadModel(`${base}/models/b`)).rejects.toThrow(/does not match/);
    // A body longer than model.json says is cut off as it arrives.
    files.set('/models/b/weights.safetensors', Buffer.concat([good, Buffer.alloc(1 << 20)]));
    await expect(dn.loadModel(`${base}/models/b`)).rejects.toThrow(/more than the/);
    files.set('/models/b/model.json', Buffer.from('{"format": "dendrite.model", '));
    await expect(dn.loadModel(`${base}/models/b`)).rejects.toThrow(SerializationError);
  });

  it('an unreachable server is a SerializationError', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await expect(dn.loadModel(`http://127.0.0.1:${port}/m`)).rejects.toThrow(SerializationError);
  });

  it('relative names may not leave the model folder', () => {
    const at = new URL(`${base}/models/a/model.json`);
    expect(urlBeside('t', at, 'group1-shard1of2.bin').href).toBe(`${base}/models/a/group1-shard1of2.bin`);
    for (const name of ['../secret.bin', '/etc/passwd', 'http://elsewhere/x.bin', '%2e%2e/x.bin', 'a/../../x.bin', '..\\x.bin']) {
      expect(() => urlBeside('t', at, name)).toThrow(SerializationError);
    }
  });
});
