'use strict';
// The npm package as a user installs it (tests/node_api/CMakeLists.txt): `npm pack` of the
// checkout, then two empty npm projects, one running `npm install CHECKOUT` and one `npm install
// TARBALL`. In each, with nothing else set: the JS API suite against the installed package, a
// script calling Python and Rust on a TypedArray (CommonJS and ES modules), and, in the first, the
// package's types checked by TypeScript's compiler (from npm).
//   node npm_check.js CHECKOUT WORKDIR

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const [checkout, work] = process.argv.slice(2).map((p) => path.resolve(p));
const testkit = process.env.PM_TESTKIT_PLUGIN;

function run(command, args, cwd, extraEnv = {}) {
  process.stdout.write(`npm_check: (${path.relative(work, cwd) || '.'}) ${command} ${args.join(' ')}\n`);
  const env = { ...process.env, ...extraEnv };
  delete env.PROMETHEAN_NODE_ADDON;  // the installed package finds its own addon
  delete env.NODE_PATH;
  // Both projects build the same sources at the same depth under WORKDIR: ccache shares them.
  env.CCACHE_BASEDIR = work;
  const r = spawnSync(command, args, { cwd, env, encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.error) throw new Error(`${command}: ${r.error.message}`);
  if (r.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed (status ${r.status}, signal ${r.signal})\n${r.stdout}\n${r.stderr}`);
  }
  return r.stdout;
}

function expect(what, got, pattern) {
  if (!pattern.test(got)) throw new Error(`${what}: expected ${pattern}, got:\n${got}`);
}

const APP_CJS = `const promethean = require('promethean');
promethean.eval('py', 'import numpy as np\\ndef scale(a, k):\\n    a *= k\\n    return a.__array_interface__["data"][0]');
const pixels = new Uint8Array([1, 2, 3, 4]);
const seenByPython = promethean.call('py', 'scale', pixels, 2);
promethean.load('rust', 'imageops');
const seenByRust = promethean.call('rust', 'imageops.address', pixels);
const mine = promethean.bufferInfo(pixels).address;
console.log('pixels', Array.from(pixels).join(','), 'same memory', seenByPython === mine && seenByRust === mine);
console.log('histogram', promethean.call('rust', 'imageops.histogram', pixels).slice(0, 9).join(','));
console.log('from', require.resolve('promethean'));
`;
const APP_ESM = `import promethean, { call, eval as evaluate, ForeignError } from 'promethean';
console.log('esm', evaluate('py', '6 * 7'), call('js', 'Math.max', 1, 5), typeof promethean.alloc, typeof ForeignError);
`;
const APP_TS = `import promethean, { call, bufferInfo, ForeignError } from 'promethean';
const a = new Float64Array(4);
const info = bufferInfo(a);
const n: number = info.address + info.nbytes;
const r: unknown = call('py', 'len', a);
const e: ForeignError = new ForeignError('py', 'ValueError', 'bad', '');
promethean.registerBufferType('Gray', { layout: ['height', 'width'], format: 'uint8' });
console.log(n, r, e.runtime);
`;

function project(name, spec) {
  const dir = path.join(work, name);
  fs.mkdirSync(dir, { recursive: true });
  run('npm', ['init', '-y'], dir);
  run('npm', ['install', '--foreground-scripts', spec], dir);
  const from = path.join(dir, 'node_modules', 'promethean');
  if (!fs.existsSync(path.join(from, 'package.json'))) throw new Error(`${name}: no node_modules/promethean`);
  fs.writeFileSync(path.join(dir, 'app.js'), APP_CJS);
  fs.writeFileSync(path.join(dir, 'app.mjs'), APP_ESM);
  const out = run('node', ['app.js'], dir);
  expect(`${name}: app.js`, out, /^pixels 2,4,6,8 same memory true\nhistogram 0,0,1,0,1,0,1,0,1\nfrom .*node_modules\/promethean\/node\/promethean\/index\.js\n$/);
  expect(`${name}: app.mjs`, run('node', ['app.mjs'], dir), /^esm 42 5 function function\n$/);
  // The JS API suite, as in the build tree, against this installation.
  const suite = path.join(dir, 'suite');
  fs.cpSync(path.join(checkout, 'tests', 'node_api'), suite, { recursive: true });
  run('node', [path.join(suite, 'test_node_api.js')], dir, { PROMETHEAN_TEST_MODE: 'hosted', PM_TESTKIT_PLUGIN: testkit });
  return dir;
}

try {
  fs.rmSync(work, { recursive: true, force: true });
  fs.mkdirSync(work, { recursive: true });
  const packed = run('npm', ['pack', '--pack-destination', work, checkout], work).trim().split('\n').pop();
  const tarball = path.join(work, packed);
  if (!fs.existsSync(tarball)) throw new Error(`npm pack made no ${tarball}`);
  const first = project('from-checkout', checkout);
  run('npm', ['install', '--no-save', 'typescript@5'], first);
  fs.writeFileSync(path.join(first, 'app.ts'), APP_TS);
  run(path.join(first, 'node_modules', '.bin', 'tsc'),
    ['--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', 'app.ts'], first);
  project('from-tarball', tarball);
  process.stdout.write('npm_check: ok\n');
} catch (e) {
  process.stderr.write(`npm_check: ${e.message}\n`);
  process.exit(1);
}
