import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import * as dn from '../../lib/index.js';
import { ArgumentTypeError, DendriteError, NativeError, ValueError } from '../../lib/errors.js';
import { binding, loadFailureMessage, packageRoot } from '../../lib/native.js';

/** Runs a snippet in a fresh Node process with extra environment variables; returns stdout or the error text. */
function runWithEnv(env: Record<string, string>, code: string): string {
  try {
    return execFileSync(process.execPath, ['--import', 'tsx', '-e', code], {
      cwd: packageRoot,
      env: { ...process.env, ...env },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    return String((error as { stderr?: string }).stderr);
  }
}
const printInfo = "import('./lib/index.ts').then((dn) => console.log(JSON.stringify(dn.backendInfo())))";

describe('raw binding: bad arguments', () => {
  it('rejects a wrong argument count with ArgumentTypeError', () => {
    expect(() => (binding.sumSquares as (...a: unknown[]) => number)(new Float32Array(2))).toThrow(ArgumentTypeError);
    expect(() => (binding.sumSquares as (...a: unknown[]) => number)(new Float32Array(2))).toThrow(/expected 2 arguments, got 1/);
    expect(() => (binding.backendInfo as (...a: unknown[]) => unknown)(1)).toThrow(TypeError);
  });

  it('rejects wrong argument types naming the argument', () => {
    const sumSquares = binding.sumSquares as (...a: unknown[]) => number;
    expect(() => sumSquares([1, 2], 2)).toThrow(/sumSquares: x must be a Float32Array, got an array/);
    expect(() => sumSquares(new Float64Array(2), 2)).toThrow(/got another typed array/);
    expect(() => sumSquares(new Float32Array(2), '2')).toThrow(/n must be a number, got a string/);
    expect(() => sumSquares(null, 0)).toThrow(ArgumentTypeError);
  });

  it('checks buffer lengths against the sizes it is given', () => {
    expect(() => binding.sumSquares(new Float32Array(3), 4)).toThrow(ValueError);
    expect(() => binding.sumSquares(new Float32Array(3), 4)).toThrow(/x needs at least 4 elements, got 3/);
    expect(() => binding.sumSquares(new Float32Array(3), -1)).toThrow(/n must be an integer from 0/);
    expect(() => binding.sumSquares(new Float32Array(3), 1.5)).toThrow(ValueError);
    expect(() => binding.sumSquares(new Float32Array(3), Number.NaN)).toThrow(ValueError);
    expect(() => binding.sumSquares(new Float32Array(3), 2 ** 60)).toThrow(ValueError);
    // A view is bounded by its own length, not by its buffer's.
    const view = new Float32Array(16).subarray(2, 4);
    expect(() => binding.sumSquares(view, 3)).toThrow(/needs at least 3 elements, got 2/);
  });

  it('throws errors that are also DendriteErrors with a code', () => {
    try {
      binding.sumSquares(new Float32Array(1), 2);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(DendriteError);
      expect((error as DendriteError).code).toBe('ERR_DENDRITE_VALUE');
    }
    try {
      (binding.sumSquares as (...a: unknown[]) => number)('x', 1);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(TypeError);
      expect(error).toBeInstanceOf(DendriteError);
      expect((error as ArgumentTypeError).code).toBe('ERR_DENDRITE_ARGUMENT_TYPE');
    }
  });
});

describe('backendInfo and threads', () => {
  it('reports the ISA in use, the ISAs available, threads and version', () => {
    const info = dn.backendInfo();
    expect(info.isas[0]).toBe('scalar');
    expect(info.isas).toContain(info.isa);
    expect(info.threads).toBeGreaterThanOrEqual(1);
    expect(info.version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('setNumThreads changes the pool and rejects bad values', () => {
    const before = dn.backendInfo().threads;
    dn.setNumThreads(3);
    expect(dn.backendInfo().threads).toBe(3);
    dn.setNumThreads(before);
    expect(dn.backendInfo().threads).toBe(before);
    expect(() => dn.setNumThreads(0)).toThrow(ValueError);
    expect(() => dn.setNumThreads(2.5)).toThrow(/threads must be an integer from 1 to 1024, got 2.5/);
    expect(() => dn.setNumThreads('2' as unknown as number)).toThrow(ArgumentTypeError);
    expect(() => binding.setNumThreads(0)).toThrow(ValueError);
  });

  it('setIsa refuses a path the CPU lacks', () => {
    expect(() => binding.setIsa('neon')).toThrow(/setIsa: isa must be one this CPU supports/);
    expect(() => binding.setIsa('fast')).toThrow(ValueError);
  });
});

describe('environment variables', () => {
  it('DENDRITE_ISA forces a path', () => {
    for (const isa of dn.backendInfo().isas) {
      const info = JSON.parse(runWithEnv({ DENDRITE_ISA: isa }, printInfo));
      expect(info.isa).toBe(isa);
    }
  });

  it('DENDRITE_ISA naming an unknown or unavailable path is a clear error', () => {
    expect(runWithEnv({ DENDRITE_ISA: 'avx9' }, printInfo)).toMatch(/ValueError: DENDRITE_ISA: expected one of scalar, avx2, avx512, neon, got 'avx9'/);
    expect(runWithEnv({ DENDRITE_ISA: 'neon' }, printInfo)).toMatch(/DENDRITE_ISA: this CPU cannot run the 'neon' kernels; it supports: scalar/);
  });

  it('DENDRITE_NUM_THREADS sets the pool size and rejects bad values', () => {
    expect(JSON.parse(runWithEnv({ DENDRITE_NUM_THREADS: '3' }, printInfo)).threads).toBe(3);
    for (const bad of ['0', '-1', 'two', '1.5', '100000']) {
      expect(runWithEnv({ DENDRITE_NUM_THREADS: bad }, printInfo)).toMatch(
        new RegExp(`DENDRITE_NUM_THREADS: expected an integer from 1 to 1024, got '${bad.replace('.', '\\.')}'`),
      );
    }
  });

  it('an addon that cannot load gives a NativeError listing possible solutions', () => {
    const text = runWithEnv({ DENDRITE_BINARY: '/nonexistent/dendrite.node' }, printInfo);
    expect(text).toMatch(/NativeError: Could not load the Dendrite native addon/);
    expect(text).toMatch(/Possible solutions:/);
    expect(NativeError).toBeDefined();
  });

  it('no binary at all (no prebuild, install script not run) says so and gives the commands that build it', () => {
    const cause = 'No native build was found for platform=freebsd arch=x64 runtime=node abi=115 uv=1 libc=glibc node=20.20.2\n    loaded from: /app/node_modules/dendrite\n';
    const text = loadFailureMessage(cause, undefined);
    expect(text).toMatch(new RegExp(`^Dendrite's native addon is not built for ${process.platform}-${process.arch} \\(Node ${process.version}\\)`));
    expect(text).toMatch(/install script, which builds one, did not run/);
    expect(text).toContain('\n  npm install-scripts approve dendrite\n  npm rebuild dendrite\n');
    expect(text).toMatch(/Cause: No native build was found for platform=freebsd .*\n    loaded from: \/app\/node_modules\/dendrite$/);
    // A binary that exists but fails to load is another story: the general list of causes.
    const other = loadFailureMessage('libc.so.6: version `GLIBC_2.38\' not found', undefined);
    expect(other).toMatch(/^Could not load the Dendrite native addon/);
    expect(other).toMatch(/Possible solutions:/);
    expect(loadFailureMessage(cause, 'build/x.node')).toMatch(/DENDRITE_BINARY is set to build\/x\.node/);
  });
});

describe('kernel dispatch', () => {
  it('sumSquares gives the scalar reference result on every ISA path', () => {
    const start = dn.backendInfo().isa;
    for (const n of [0, 1, 7, 8, 15, 16, 17, 33, 1001]) {
      const x = Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.7) * 3);
      binding.setIsa('scalar');
      const reference = binding.sumSquares(x, n);
      let exact = 0;
      for (const v of x) exact += v * v;
      expect(Math.abs(reference - exact)).toBeLessThanOrEqual(1e-12 * (1 + exact));
      for (const isa of dn.backendInfo().isas) {
        binding.setIsa(isa);
        // Accumulated in double in every path: equal up to the order of the additions.
        expect(Math.abs(binding.sumSquares(x, n) - reference)).toBeLessThanOrEqual(1e-12 * (1 + reference));
      }
    }
    binding.setIsa(start);
  });
});
