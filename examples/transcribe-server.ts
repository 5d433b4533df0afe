// An HTTP route that transcribes spoken digits: POST a WAV file, get its digits back as JSON.
//
//   npx tsx examples/speech-to-text.ts --save models/speech     # train and save the model (minutes)
//   npx tsx examples/transcribe-server.ts models/speech          # serve it on PORT (default 3000)
//   curl --data-binary @data/spoken_digits/connected/test/s160_0.wav localhost:3000/transcribe
//   {"digits":"4086","words":"four zero eight six","beam":false}
//
// `POST /transcribe?beam=1` decodes with prefix beam search instead of greedy decoding. A body that is
// not a WAV file Dendrite can read (truncated, another codec, a wrong header) gets a 400 with the
// SerializationError's message; audio longer than the model's 2.8 s a 400 too. The forward pass goes through
// `model.predictAsync`: a model whose layers all have a native inference plan (dense, convolution, pooling,
// normalization, merge layers) runs there on a worker thread while the event loop serves other requests.
// The melSpectrogram and GRU layers have no such plan yet, so for this model predictAsync yields once and then
// runs `predict` on the main thread: the loop is held for one forward pass (about 15 ms for a clip on this
// 2-core machine), never for the reading of the body or the decoding's waits.
//
// In your own code: `import * as dn from 'dendrite'`.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as dn from '../lib/index.js';
import { CLIP_SAMPLES, clipSamples, SAMPLE_RATE, transcribe } from './speech-to-text.js';

const WORDS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
/** Larger bodies are refused before they are read to the end (a 2.8 s clip at 48 kHz stereo 32-bit is ~1 MB). */
export const MAX_BODY_BYTES = 4 * 1024 * 1024;

/** The JSON a successful request gets. */
export interface Transcript {
  /** The digits as a string, e.g. "314". */
  digits: string;
  /** The same as words, e.g. "three one four". */
  words: string;
  /** Whether beam search decoded it. */
  beam: boolean;
}

/** A client's mistake: answered with 400 and the message. */
class BadRequest extends Error {}

async function readBody(request: IncomingMessage): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    length += chunk.length;
    if (length > MAX_BODY_BYTES) throw new BadRequest(`the body exceeds ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  return new Uint8Array(Buffer.concat(chunks));
}

/** The transcript of one WAV file's bytes. Throws dn's typed errors for a bad file. */
export async function transcribeWav(model: dn.Model, wav: Uint8Array, beam = false): Promise<Transcript> {
  const decoded = dn.audio.decodeWav(wav);
  const samples = clipSamples(decoded);
  const seconds = decoded.audio.shape[0] / decoded.sampleRate;
  if (seconds > CLIP_SAMPLES / SAMPLE_RATE + 0.01) {
    throw new dn.ValueError(`transcribe: the audio lasts ${seconds.toFixed(2)} s; this model takes at most ${CLIP_SAMPLES / SAMPLE_RATE} s`);
  }
  const row = new Float32Array(CLIP_SAMPLES);
  row.set(samples);
  const logits = await model.predictAsync(dn.tensor(row, [1, CLIP_SAMPLES]));
  const [digits] = transcribe(logits, beam ? { strategy: 'beamSearch', beamWidth: 16 } : {});
  return { digits: digits.join(''), words: digits.map((d) => WORDS[d]).join(' '), beam };
}

function reply(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

/** A server with one route, `POST /transcribe` (not yet listening). */
export function transcribeServer(model: dn.Model): Server {
  return createServer(async (request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname !== '/transcribe') return reply(response, 404, { error: `no route ${url.pathname}; POST a WAV file to /transcribe` });
    if (request.method !== 'POST') return reply(response, 405, { error: 'POST a WAV file to /transcribe' });
    try {
      const wav = await readBody(request);
      reply(response, 200, await transcribeWav(model, wav, url.searchParams.get('beam') === '1'));
    } catch (error) {
      // Dendrite's typed errors (SerializationError for a bad file, ValueError) are the client's mistake.
      const clientError = error instanceof dn.DendriteError || error instanceof BadRequest;
      reply(response, clientError ? 400 : 500, { error: clientError ? (error as Error).message : 'internal error' });
      if (!clientError) console.error(error);
    }
  });
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const modelPath = process.argv[2] ?? 'models/speech';
  const model = await dn.loadModel(modelPath);
  const port = Number(process.env.PORT ?? 3000);
  const server = transcribeServer(model).listen(port, () => console.log(`POST WAV files to http://localhost:${port}/transcribe`));
  process.on('SIGTERM', () => server.close());
  process.on('SIGINT', () => server.close());
}
