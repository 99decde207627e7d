'use strict';
// `require` finds what `node` finds (issue 23 item 4), in every way in: Node's global module
// folders (Debian's /usr/lib/<triplet>/nodejs and /usr/share/nodejs), NODE_PATH, ~/.node_modules
// and ~/.node_libraries are those /usr/bin/node has with the same environment, and Debian's
// node-sqlite3 (a native N-API addon) loads from them and queries an in-memory database, whose
// rows Python then sums. tests/node_api/CMakeLists.txt runs it with HOME and NODE_PATH in
// data/module_paths: as `promethean run` of this file, in /usr/bin/node (Node-hosted), and from
// python3 (Python-hosted: module_paths_from_python.py calls check()).

const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const Module = require('node:module');

const promethean = require('promethean');

const FROM_GLOBAL_FOLDERS = ['sqlite3', 'pm_from_node_path', 'pm_from_home_modules', 'pm_from_home_libraries'];

/** What /usr/bin/node, started here with this environment, has as global folders and resolves. */
function asNodeSees() {
  const script = `const M = require('module');
console.log(JSON.stringify({ globalPaths: M.globalPaths, resolved: ${JSON.stringify(FROM_GLOBAL_FOLDERS)}.map((m) => require.resolve(m)) }));`;
  return JSON.parse(execFileSync('/usr/bin/node', ['-e', script], { cwd: __dirname, encoding: 'utf8' }));
}

/** Runs a statement's callback API as a Promise. */
const promised = (fn) => new Promise((resolve, reject) => fn((error, value) => (error ? reject(error) : resolve(value))));

async function check() {
  const node = asNodeSees();
  assert.deepEqual(Module.globalPaths, node.globalPaths);
  const paths = Module.globalPaths;
  assert.ok(paths.includes('/usr/share/nodejs'), paths.join(':'));
  assert.ok(paths.some((p) => /^\/usr\/lib\/[^/]+-linux-[^/]+\/nodejs$/.test(p)), paths.join(':'));
  for (const variable of (process.env.NODE_PATH || '').split(':').filter(Boolean)) assert.ok(paths.includes(variable), variable);
  assert.ok(paths.includes(`${process.env.HOME}/.node_modules`) && paths.includes(`${process.env.HOME}/.node_libraries`));
  assert.deepEqual(FROM_GLOBAL_FOLDERS.map((m) => require.resolve(m)), node.resolved);
  assert.deepEqual(['pm_from_node_path', 'pm_from_home_modules', 'pm_from_home_libraries'].map((m) => require(m).from),
    ['NODE_PATH', '~/.node_modules', '~/.node_libraries']);

  const sqlite3 = require('sqlite3');
  const db = new sqlite3.Database(':memory:');
  await promised((done) => db.run('CREATE TABLE readings (id INTEGER PRIMARY KEY, celsius REAL)', done));
  const insert = db.prepare('INSERT INTO readings (celsius) VALUES (?)');
  for (let i = 0; i < 100; i++) await promised((done) => insert.run(i / 2, done));
  await promised((done) => insert.finalize(done));
  const summary = await promised((done) => db.get('SELECT count(*) AS n, max(celsius) AS hottest FROM readings', done));
  assert.deepEqual(summary, { n: 100, hottest: 49.5 });
  const rows = await promised((done) => db.all('SELECT celsius FROM readings WHERE celsius >= ? ORDER BY id', [48], done));
  await promised((done) => db.close(done));
  const total = promethean.call('py', 'sum', rows.map((r) => r.celsius));
  assert.equal(total, 48 + 48.5 + 49 + 49.5);
  return `sqlite3 ${require('sqlite3/package.json').version} from ${require.resolve('sqlite3')}: ${summary.n} rows, Python summed ${total}`;
}

module.exports = { check };

if (require.main === module) {
  check().then((line) => console.log(line));
}
