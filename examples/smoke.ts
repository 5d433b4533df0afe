// A smoke demo of the native addon: which kernels run, and one kernel on every ISA path.
import { readFileSync } from 'node:fs';
import * as dn from '../lib/index.js';
import { binding } from '../lib/native.js';

const info = dn.backendInfo();
console.log(`Dendrite ${info.version}: ${info.isa} kernels (${info.isas.join(', ')} available), ${info.threads} threads`);

const rows = readFileSync(new URL('../data/digits_train.csv', import.meta.url), 'utf8').trim().split('\n').slice(1);
const pixels = Float32Array.from(rows.flatMap((row) => row.split(',').slice(0, 64).map(Number)));
for (const isa of info.isas) {
  binding.setIsa(isa);
  console.log(`  ${isa.padEnd(7)} squared L2 norm of the ${rows.length} training digits: ${binding.sumSquares(pixels, pixels.length)}`);
}
binding.setIsa(info.isa);
