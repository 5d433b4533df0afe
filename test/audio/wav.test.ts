import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import * as dn from '../../lib/index.js';

const fixture = fileURLToPath(new URL('../fixtures/audio/seven.wav', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'dendrite-wav-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A RIFF/WAVE file from raw chunks. */
function riff(chunks: Array<[string, Uint8Array]>): Uint8Array {
  const parts: Buffer[] = [Buffer.from('WAVE')];
  for (const [id, body] of chunks) {
    const header = Buffer.alloc(8);
    header.write(id, 0, 'latin1');
    header.writeUInt32LE(body.length, 4);
    parts.push(header, Buffer.from(body));
    if (body.length & 1) parts.push(Buffer.alloc(1));
  }
  const content = Buffer.concat(parts);
  const head = Buffer.alloc(8);
  head.write('RIFF', 0, 'latin1');
  head.writeUInt32LE(content.length, 4);
  return Buffer.concat([head, content]);
}

function fmtChunk(code: number, channels: number, rate: number, bits: number): Uint8Array {
  const b = Buffer.alloc(16);
  b.writeUInt16LE(code, 0);
  b.writeUInt16LE(channels, 2);
  b.writeUInt32LE(rate, 4);
  b.writeUInt32LE((rate * channels * bits) / 8, 8);
  b.writeUInt16LE((channels * bits) / 8, 12);
  b.writeUInt16LE(bits, 14);
  return b;
}

/** WAVE_FORMAT_EXTENSIBLE 'fmt ' whose SubFormat GUID starts with `subFormat`. */
function extensibleFmt(subFormat: number, channels: number, rate: number, bits: number): Uint8Array {
  const b = Buffer.alloc(40);
  Buffer.from(fmtChunk(0xfffe, channels, rate, bits)).copy(b, 0);
  b.writeUInt16LE(22, 16); // cbSize
  b.writeUInt16LE(bits, 18); // valid bits
  b.writeUInt32LE(channels === 2 ? 3 : 4, 20); // channel mask
  b.writeUInt16LE(subFormat, 24);
  Buffer.from([0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71]).copy(b, 26);
  return b;
}

function stereoRamp(frames: number): dn.Tensor {
  const values = new Float32Array(frames * 2);
  for (let i = 0; i < frames; i++) {
    values[2 * i] = Math.sin(i * 0.37) * 0.9;
    values[2 * i + 1] = -1 + (2 * i) / (frames - 1);
  }
  return dn.tensor(values, [frames, 2]);
}

describe('dn.audio WAV: bad files throw SerializationError with the offset and format code', () => {
  const pcm = fmtChunk(1, 1, 8000, 16);
  const cases: Array<[string, Uint8Array, RegExp]> = [
    ['an empty file', new Uint8Array(0), /truncated file: 0 bytes.*at byte offset 0/],
    ['not RIFF', Buffer.from('RIFX\0\0\0\0WAVEfmt '), /expected 'RIFF', got "RIFX" at byte offset 0/],
    ['not WAVE', Buffer.from('RIFF\x04\0\0\0AVI '), /expected 'WAVE', got "AVI " at byte offset 8/],
    ['MP3 inside WAVE', riff([['fmt ', fmtChunk(0x0055, 1, 8000, 0)], ['data', new Uint8Array(4)]]), /unsupported format code 0x0055 \(MPEG Layer 3 \(MP3\)\).* at byte offset 20/],
    ['MP3 in an extensible header', riff([['fmt ', extensibleFmt(0x0055, 2, 8000, 16)], ['data', new Uint8Array(4)]]), /unsupported format code 0x0055.* at byte offset 44/],
    ['an unknown format code', riff([['fmt ', fmtChunk(0x1234, 1, 8000, 16)], ['data', new Uint8Array(4)]]), /unsupported format code 0x1234 at byte offset 20/],
    ['12-bit PCM', riff([['fmt ', fmtChunk(1, 1, 8000, 12)], ['data', new Uint8Array(4)]]), /unsupported 12-bit samples for format code 0x0001 \(PCM\) at byte offset 34/],
    ['a truncated data chunk', riff([['fmt ', pcm], ['data', new Uint8Array(8)]]).subarray(0, 48), /truncated file: the 'data' chunk at byte 36 declares 8 bytes, 4 remain at byte offset 48/],
    ['a half sample', riff([['fmt ', pcm], ['data', new Uint8Array(5)]]), /truncated sample.*5 bytes.* at byte offset 48/],
    ['a truncated fmt chunk', riff([['fmt ', pcm]]).subarray(0, 30), /truncated file: the 'fmt ' chunk.* at byte offset 30/],
    ['data before fmt', riff([['data', new Uint8Array(4)], ['fmt ', pcm]]), /'data' chunk before any 'fmt ' chunk at byte offset 12/],
    ['no data chunk', riff([['fmt ', pcm]]), /no 'data' chunk at byte offset 36/],
    ['no fmt chunk', riff([['LIST', new Uint8Array(3)]]), /no 'fmt ' chunk/],
    ['a short fmt chunk', riff([['fmt ', new Uint8Array(14)], ['data', new Uint8Array(2)]]), /'fmt ' chunk of 14 bytes, expected at least 16 at byte offset 16/],
    ['a wrong block align', riff([['fmt ', Buffer.concat([Buffer.from(pcm).subarray(0, 12), Buffer.from([4, 0, 16, 0])])], ['data', new Uint8Array(4)]]), /block align 4, expected 2.* at byte offset 32/],
    ['zero channels', riff([['fmt ', fmtChunk(1, 0, 8000, 16)], ['data', new Uint8Array(4)]]), /zero channels at byte offset 22/],
  ];
  for (const [name, bytes, message] of cases) {
    it(`${name}`, () => {
      expect(() => dn.audio.decodeWav(bytes)).toThrow(dn.SerializationError);
      expect(() => dn.audio.decodeWav(bytes)).toThrow(message);
    });
  }

  it('readWav names the file', () => {
    const path = join(scratch, 'song.wav');
    writeFileSync(path, riff([['fmt ', fmtChunk(0x0055, 2, 44100, 0)], ['data', new Uint8Array(4)]]));
    expect(() => dn.audio.readWav(path)).toThrow(/readWav: '.*song\.wav': unsupported format code 0x0055.*at byte offset 20/);
    expect(() => dn.audio.readWav(join(scratch, 'missing.wav'))).toThrow(dn.SerializationError);
    expect(() => dn.audio.readWav(join(scratch, 'missing.wav'))).toThrow(/missing\.wav/);
  });

  it('arguments are checked', () => {
    expect(() => dn.audio.decodeWav('x.wav' as never)).toThrow(dn.ArgumentTypeError);
    expect(() => dn.audio.decodeWav(dn.audio.encodeWav(stereoRamp(4), 8000), { desiredChannels: 0 })).toThrow(/desiredChannels/);
    expect(() => dn.audio.decodeWav(dn.audio.encodeWav(stereoRamp(4), 8000), { desiredChannels: 3 })).toThrow(/desiredChannels 3/);
    expect(() => dn.audio.decodeWav(new Uint8Array(44), { channels: 1 } as never)).toThrow(/channels/);
    expect(() => dn.audio.encodeWav(stereoRamp(4), 8000, { bitDepth: 12 as never })).toThrow(/bitDepth must be one of 8, 16, 24, 32, got 12/);
    expect(() => dn.audio.encodeWav(stereoRamp(4), 8000, { bitDepth: 16, sampleFormat: 'float' })).toThrow(/bitDepth/);
    expect(() => dn.audio.encodeWav(stereoRamp(4), 0)).toThrow(/sampleRate/);
    expect(() => dn.audio.encodeWav(dn.zeros([2, 2, 2]), 8000)).toThrow(dn.ShapeError);
    expect(() => dn.audio.encodeWav(dn.zeros([4], { dtype: 'int32' }), 8000)).toThrow(/float32/);
    expect(() => dn.audio.encodeWav([0, 1] as never, 8000)).toThrow(dn.ArgumentTypeError);
  });
});

describe('dn.audio WAV round trips', () => {
  for (const bitDepth of [8, 16, 24, 32] as const) {
    it(`integer PCM, ${bitDepth}-bit, stereo: values within half a step, bytes identical on re-encoding`, () => {
      const audio = stereoRamp(101);
      const bytes = dn.audio.encodeWav(audio, 22050, { bitDepth });
      expect(bytes.length).toBe(44 + 101 * 2 * (bitDepth / 8) + ((101 * 2 * (bitDepth / 8)) & 1));
      const decoded = dn.audio.decodeWav(bytes);
      expect(decoded.sampleRate).toBe(22050);
      expect(decoded.audio.shape).toEqual([101, 2]);
      expect(decoded.audio.dtype).toBe('float32');
      const step = 2 ** -(bitDepth - 1);
      const original = audio.dataSync();
      const values = decoded.audio.dataSync();
      for (let i = 0; i < values.length; i++) {
        // +1 encodes as the largest positive integer, one step below 1.
        expect(Math.abs(values[i] - original[i])).toBeLessThanOrEqual(original[i] === 1 ? step : step / 2 + 1e-7);
      }
      expect(values[1]).toBe(-1);
      expect(Buffer.from(dn.audio.encodeWav(decoded.audio, 22050, { bitDepth })).equals(Buffer.from(bytes))).toBe(true);
    });
  }

  it('32-bit float: exact, and values outside [-1, 1] are clipped', () => {
    const audio = dn.tensor([0.25, -0.123456789, 1.5, -3, 0.999], [5, 1]);
    const decoded = dn.audio.decodeWav(dn.audio.encodeWav(audio, 16000, { bitDepth: 32, sampleFormat: 'float' }));
    expect(Array.from(decoded.audio.dataSync())).toEqual([0.25, Math.fround(-0.123456789), 1, -1, Math.fround(0.999)]);
  });

  it('mono [samples] audio is written as one channel; 8-bit is unsigned around 128', () => {
    const bytes = dn.audio.encodeWav(dn.tensor([0, 0.5, -1, 1]), 8000, { bitDepth: 8 });
    expect(Array.from(bytes.subarray(44))).toEqual([128, 192, 0, 255]);
    expect(dn.audio.decodeWav(bytes).audio.shape).toEqual([4, 1]);
  });

  it('writeWav then readWav, with desiredChannels and desiredSamples', () => {
    const path = join(scratch, 'ramp.wav');
    dn.audio.writeWav(path, stereoRamp(50), 48000, { bitDepth: 24 });
    const { audio, sampleRate } = dn.audio.readWav(path, { desiredChannels: 1, desiredSamples: 60 });
    expect(sampleRate).toBe(48000);
    expect(audio.shape).toEqual([60, 1]);
    const full = dn.audio.readWav(path).audio.dataSync();
    const values = audio.dataSync();
    expect(values[7]).toBe(full[14]);
    expect(Array.from(values.subarray(50))).toEqual(new Array(10).fill(0));
    const mono = dn.audio.decodeWav(dn.audio.encodeWav(dn.tensor([0.5, -0.5]), 8000), { desiredChannels: 3, desiredSamples: 1 });
    expect(Array.from(mono.audio.dataSync())).toEqual([0.5, 0.5, 0.5]);
  });

  it('reads WAVE_FORMAT_EXTENSIBLE PCM and float, and skips other chunks (odd sizes padded)', () => {
    const pcm = Buffer.alloc(8);
    [100, -200, 32767, -32768].forEach((v, i) => pcm.writeInt16LE(v, i * 2));
    const file = riff([['LIST', new Uint8Array(5)], ['fmt ', extensibleFmt(1, 2, 44100, 16)], ['fact', new Uint8Array(4)], ['data', pcm]]);
    const { audio, sampleRate } = dn.audio.decodeWav(file);
    expect(sampleRate).toBe(44100);
    expect(audio.shape).toEqual([2, 2]);
    expect(Array.from(audio.dataSync())).toEqual([100 / 32768, -200 / 32768, 32767 / 32768, -1]);
    const floats = Buffer.alloc(8);
    floats.writeFloatLE(0.5, 0);
    floats.writeFloatLE(-0.25, 4);
    const floatFile = riff([['fmt ', extensibleFmt(3, 1, 8000, 32)], ['data', floats]]);
    expect(Array.from(dn.audio.decodeWav(floatFile).audio.dataSync())).toEqual([0.5, -0.25]);
    const doubles = Buffer.alloc(8);
    doubles.writeDoubleLE(0.125, 0);
    expect(Array.from(dn.audio.decodeWav(riff([['fmt ', fmtChunk(3, 1, 8000, 64)], ['data', doubles]])).audio.dataSync())).toEqual([0.125]);
  });

  it('reads a real clip (8 kHz, 16-bit mono speech)', () => {
    const { audio, sampleRate } = dn.audio.readWav(fixture);
    expect(sampleRate).toBe(8000);
    expect(audio.shape).toEqual([3086, 1]);
    // Values checked against Python's wave module: samples 1000..1003 are 2945, 2668, 856, -1627.
    expect(Array.from(audio.dataSync().subarray(1000, 1004))).toEqual([2945, 2668, 856, -1627].map((v) => v / 32768));
  });
});

describe('dn.audio WAV: corrupted files', () => {
  it('random byte changes and cuts of valid files end in audio or a SerializationError, nothing else', () => {
    const generator = new dn.Generator(11);
    const originals = [8, 16, 24, 32].map((bitDepth) => dn.audio.encodeWav(stereoRamp(9), 8000, { bitDepth: bitDepth as 8 | 16 | 24 | 32 }));
    originals.push(riff([['LIST', new Uint8Array(3)], ['fmt ', extensibleFmt(3, 2, 8000, 32)], ['data', new Uint8Array(16)]]));
    let thrown = 0;
    for (let round = 0; round < 600; round++) {
      const original = originals[round % originals.length];
      let bytes = Uint8Array.from(original);
      const changes = 1 + Math.floor(generator.uniform() * 4);
      for (let c = 0; c < changes; c++) bytes[Math.floor(generator.uniform() * bytes.length)] = Math.floor(generator.uniform() * 256);
      if (generator.uniform() < 0.3) bytes = bytes.subarray(0, Math.floor(generator.uniform() * bytes.length));
      try {
        const { audio } = dn.audio.decodeWav(bytes);
        expect(audio.dtype).toBe('float32');
      } catch (error) {
        expect(error).toBeInstanceOf(dn.SerializationError);
        expect((error as Error).message).toMatch(/at byte offset \d+/);
        thrown++;
      }
    }
    expect(thrown).toBeGreaterThan(50);
  });
});
