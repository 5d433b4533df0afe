#!/usr/bin/env bash
# Proves the npm tarball carries a prebuilt binary that installs and loads with no compiler and
# no binary download: prebuildify, npm pack, then install into an empty project with CC=false CXX=false.
set -euo pipefail
root=$(pwd)
npm run prebuildify
test -f prebuilds/linux-x64/dendrite.node || { echo "no prebuilds/linux-x64/dendrite.node"; exit 1; }
if file prebuilds/linux-x64/dendrite.node | grep -q 'not stripped'; then echo "the prebuilt binary is not stripped"; exit 1; fi
# prebuildify rebuilt build/Release through node-gyp; the source tree keeps working with it.
tarball=$(npm pack --silent | tail -n 1)
echo "packed $tarball ($(du -k "$tarball" | cut -f1) KiB)"
contents=$(tar -tzf "$tarball")
for required in package/dist/index.js package/dist/index.d.ts package/dist/cjs/index.cjs \
  package/prebuilds/linux-x64/dendrite.node package/binding.gyp package/CMakeLists.txt \
  package/native/sources.json package/data/digits_train.csv package/data/fonts/DejaVuSans-subset.ttf \
  package/README.md package/LICENSE; do
  grep -qx "$required" <<<"$contents" || { echo "the tarball lacks $required"; exit 1; }
done
if grep -q '^package/build/' <<<"$contents"; then echo "the tarball carries build/"; exit 1; fi

project=$(mktemp -d)
trap 'rm -rf "$project"' EXIT
cd "$project"
npm init -y >/dev/null
# No compiler: any attempt to build from source fails loudly.
CC=false CXX=false npm install --no-audit --no-fund "$root/$tarball"
test ! -e node_modules/dendrite/build || { echo "install compiled the addon (node_modules/dendrite/build exists)"; exit 1; }
node -e "
const dn = require('dendrite');
const info = dn.backendInfo();
console.log('require(dendrite):', JSON.stringify(info));
if (!info.isas.includes(info.isa)) process.exit(1);
"
node --input-type=module -e "
import * as dn from 'dendrite';
import { createRequire } from 'node:module';
const resolved = createRequire(import.meta.url)('node-gyp-build').path(process.cwd() + '/node_modules/dendrite');
if (!resolved.includes('/prebuilds/linux-x64/')) { console.error('loaded', resolved, 'instead of the prebuild'); process.exit(1); }
console.log('import * as dn from dendrite: loaded', resolved.replace(process.cwd() + '/', ''));
"
# PNG pictures: the optional dependency @resvg/resvg-js installed with its prebuilt binary, and the shipped font.
node -e "
const dn = require('dendrite');
const png = dn.plot.toPng(dn.plot.histogram([1, 2, 2, 3], { title: 'check' }));
if (png.subarray(1, 4).toString() !== 'PNG') process.exit(1);
console.log('dn.plot.toPng:', png.length, 'bytes');
"
rm -f "$root/$tarball"
echo "the tarball installed and loaded its prebuilt binary without a compiler"
