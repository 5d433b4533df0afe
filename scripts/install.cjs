#!/usr/bin/env node
// Install step: use the prebuilt binary that matches this platform if it loads; otherwise build
// from source with node-gyp; if that fails too, say what is missing and how to fix it.
'use strict';
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const root = path.resolve(__dirname, '..');

function prebuiltLoads() {
  try {
    require('node-gyp-build')(root);
    return true;
  } catch {
    return false;
  }
}

if (process.env.DENDRITE_FORCE_BUILD !== '1' && prebuiltLoads()) process.exit(0);

// npm exposes its bundled node-gyp to install scripts; fall back to npx for other clients.
const nodeGyp = process.env.npm_config_node_gyp;
const [command, args] = nodeGyp
  ? [process.execPath, [nodeGyp, 'rebuild', '-j', '2']]
  : ['npx', ['-y', 'node-gyp', 'rebuild', '-j', '2']];
console.log(`dendrite: no prebuilt binary for ${process.platform}-${process.arch} (Node-API 8); building from source`);
const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
if (result.status === 0 && prebuiltLoads()) process.exit(0);

console.error(
  [
    '',
    `dendrite: could not build the native addon for ${process.platform}-${process.arch}.`,
    'Possible solutions:',
    '- Install a C++17 compiler, make and python3 (Debian/Ubuntu: apt-get install g++ make python3;',
    '  Fedora: dnf install gcc-c++ make python3; macOS: xcode-select --install;',
    '  Windows: Visual Studio Build Tools with "Desktop development with C++"), then run `npm rebuild dendrite`',
    '- If the compiler is installed, make sure node-gyp can find Node\'s headers (set npm_config_nodedir to your',
    '  Node installation, e.g. /usr, when you are offline)',
    '- Check that install scripts are allowed (npm install-scripts approve dendrite) and not skipped with --ignore-scripts',
    '',
  ].join('\n'),
);
process.exit(1);
