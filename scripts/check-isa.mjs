#!/usr/bin/env node
// ISA isolation check: disassembles a built addon and attributes every AVX / AVX-512 instruction to
// the function that contains it. Only functions in dendrite::avx2:: may use AVX/AVX2 (VEX)
// instructions, and only functions in dendrite::avx512:: may use AVX-512 (EVEX: zmm, mask or
// upper xmm/ymm registers). Anything else — inline or template code from a header compiled with
// ISA flags and merged into baseline code, say — would die with "Illegal instruction" on an older CPU.
// Usage: node scripts/check-isa.mjs [path/to/dendrite.node ...]   (needs an unstripped binary)
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const files = process.argv.slice(2);
if (files.length === 0) files.push('build/Release/dendrite.node');

const evexRegister = /%(zmm\d+|k[1-7]|[xy]mm(1[6-9]|2\d|3[01]))\b/;
const vexMnemonic = /^v[a-z0-9]/;

function allowed(functionName, level) {
  if (level === 'avx512') return functionName.includes('dendrite::avx512::');
  return functionName.includes('dendrite::avx2::') || functionName.includes('dendrite::avx512::');
}

let failures = 0;
for (const file of files) {
  if (!existsSync(file)) {
    console.error(`check-isa: ${file} does not exist (build it first)`);
    process.exit(2);
  }
  const text = execFileSync('objdump', ['-d', '-C', '--no-show-raw-insn', file], { encoding: 'utf8', maxBuffer: 1 << 30 });
  let current = '<none>';
  const counts = new Map(); // function -> { avx, avx512 }
  const offenders = new Map();
  for (const line of text.split('\n')) {
    const header = /^[0-9a-f]+ <(.*)>:$/.exec(line);
    if (header) {
      current = header[1];
      continue;
    }
    const instruction = /^\s+[0-9a-f]+:\s+(\S+)\s*(.*)$/.exec(line);
    if (!instruction) continue;
    const [, mnemonic, operands] = instruction;
    const isAvx512 = evexRegister.test(operands) || /^k(mov|and|or|not|shift|test|unpck|add|xor|xnor)/.test(mnemonic);
    const isAvx = isAvx512 || vexMnemonic.test(mnemonic);
    if (!isAvx) continue;
    const level = isAvx512 ? 'avx512' : 'avx';
    const count = counts.get(current) ?? { avx: 0, avx512: 0 };
    count[level]++;
    counts.set(current, count);
    if (!allowed(current, isAvx512 ? 'avx512' : 'avx')) {
      const list = offenders.get(current) ?? [];
      if (list.length < 3) list.push(`${mnemonic} ${operands}`);
      offenders.set(current, list);
    }
  }
  let avx2Functions = 0;
  let avx512Functions = 0;
  for (const [name, count] of counts) {
    if (name.includes('dendrite::avx512::')) avx512Functions++;
    else if (name.includes('dendrite::avx2::')) avx2Functions++;
  }
  console.log(`${file}: ${counts.size} functions use AVX instructions (${avx2Functions} in dendrite::avx2, ${avx512Functions} in dendrite::avx512)`);
  if (counts.size === 0) {
    console.error(`  FAIL: no AVX instruction found at all: is this the right (unstripped, x86-64) binary?`);
    failures++;
  }
  for (const [name, examples] of offenders) {
    failures++;
    console.error(`  FAIL: ${name} uses ${examples.join(' | ')}`);
  }
}
if (failures > 0) {
  console.error(`check-isa: ${failures} problem(s)`);
  process.exit(1);
}
console.log('check-isa: ISA instructions appear only in their ISA kernels');
