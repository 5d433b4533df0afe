// Writes dist/cjs/index.cjs: a CommonJS bundle of dist/index.js, so `require('dendrite')` works on
// every supported Node (require() of ES modules only arrived in Node 20.19 / 22.12); and
// dist/cjs/tfjs.cjs, the bundle of `dendrite/tfjs`, which takes Dendrite itself from ./index.cjs so
// that both entries share one set of classes (a tensor of one is a tensor of the other).
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';

mkdirSync('dist/cjs', { recursive: true });
// The ONNX schema that lib/onnx/proto.ts parses at run time (both bundles read it from dist/onnx/).
mkdirSync('dist/onnx', { recursive: true });
copyFileSync('lib/onnx/onnx.proto', 'dist/onnx/onnx.proto');
writeFileSync('dist/cjs/package.json', '{"type":"commonjs"}\n');
const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node18',
  packages: 'external',
  define: { 'import.meta.url': 'importMetaUrl' },
  banner: { js: "const importMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
  logLevel: 'warning',
};
await build({ ...common, entryPoints: ['dist/index.js'], outfile: 'dist/cjs/index.cjs' });

// dist/tfjs/*.js may import Dendrite's public entry (../index.js, made external as ./index.cjs), its
// argument checks (../validate.js) and the PNG codec (../image/png.js): both stateless, their errors
// from ./index.cjs too. Anything
// else of Dendrite would be a second copy of its state, so the build refuses it.
const shareDendrite = {
  name: 'share-dendrite',
  setup(plugin) {
    plugin.onResolve({ filter: /^\.\.?\// }, (args) => {
      const target = resolve(dirname(args.importer), args.path);
      const dist = resolve('dist');
      if (dirname(target) === resolve(dist, 'tfjs')) return undefined;
      if (target === resolve(dist, 'index.js') || target === resolve(dist, 'errors.js')) return { path: './index.cjs', external: true };
      if (target === resolve(dist, 'validate.js') || target === resolve(dist, 'image', 'png.js')) return undefined;
      return { errors: [{ text: `dendrite/tfjs may import only Dendrite's public entry: ${basename(args.importer)} imports ${args.path}` }] };
    });
  },
};
await build({ ...common, entryPoints: ['dist/tfjs/index.js'], outfile: 'dist/cjs/tfjs.cjs', plugins: [shareDendrite] });
