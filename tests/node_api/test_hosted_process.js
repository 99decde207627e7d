'use strict';
// A plain node with promethean, as a process (node:test): how it ends (normally, process.exit(),
// an uncaught JS or Python error, with Python threads still working, Ctrl-C), every buffer freed
// once with the ledger checked (PROMETHEAN_LEAK_CHECK=1 aborts on a leak), a Worker refused with a
// clear error, and shutdown with work in flight, many times. tests/node_api/CMakeLists.txt runs it.

const test = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync, spawn } = require('node:child_process');
const path = require('node:path');

const DATA = path.join(__dirname, 'data');
const ROOT = path.resolve(__dirname, '..', '..');  // inside the repository: require('promethean') finds it
const RUNS = Number(process.env.PROMETHEAN_SHUTDOWN_RUNS || 100);

function node(script, args = [], options = {}) {
  const r = spawnSync('/usr/bin/node', [path.join(DATA, script), ...args],
    { cwd: ROOT, encoding: 'utf8', timeout: 60000, env: { ...process.env, PROMETHEAN_LEAK_CHECK: '1' }, ...options });
  return r;
}

/** Node's stderr without what the sanitizers' preload may print. */
const quiet = (stderr) => stderr.split('\n').filter((l) => l && !l.startsWith('==')).join('\n');

test('a normal end frees every buffer (the ledger is checked)', () => {
  const r = node('exit_kinds.js', ['normal']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 'end of script\n');
  assert.equal(quiet(r.stderr), '');
});

test("process.exit() keeps Node's exit status", () => {
  for (const [how, code] of [['exit-code', 7], ['exit-code-later', 9]]) {
    const r = node('exit_kinds.js', [how]);
    assert.equal(r.status, code, `${how}: ${r.stderr}`);
    assert.equal(quiet(r.stderr), '', how);
  }
});

test('an uncaught JS error ends node as it would without promethean', () => {
  const r = node('exit_kinds.js', ['uncaught-js']);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /Error: thrown from a timer/);
  assert.doesNotMatch(r.stderr, /leak check failed/);
});

test('an uncaught Python error in a JS callback is a JS exception with the Python traceback', () => {
  const r = node('exit_kinds.js', ['uncaught-python']);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /ForeignError/);
  assert.match(r.stderr, /python failed with 3/);
  assert.match(r.stderr, /Traceback|fails/);
  assert.doesNotMatch(r.stderr, /leak check failed/);
});

test('Python threads still working at the end finish first, as in python3', () => {
  const r = node('exit_kinds.js', ['python-threads']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 'end of script\npython thread done\n');
  assert.equal(quiet(r.stderr), '');
});

/** Runs exit_kinds.js `how`, sends `signal` (`times` times, 200 ms apart) once it says 'waiting'. */
async function signalled(how, signal = 'SIGINT', times = 1) {
  const child = spawn('/usr/bin/node', [path.join(DATA, 'exit_kinds.js'), how],
    { cwd: ROOT, env: { ...process.env, PROMETHEAN_LEAK_CHECK: '1' } });
  let out = '';
  let err = '';
  let sent = 0;
  const started = Date.now();
  let sentAt = 0;
  const send = () => {
    child.kill(signal);
    if (++sent < times) setTimeout(send, 200);
  };
  child.stdout.on('data', (d) => {
    out += d;
    if (!sentAt && out.includes('waiting')) { sentAt = Date.now(); send(); }
  });
  child.stderr.on('data', (d) => { err += d; });
  const [code, sig] = await new Promise((resolve) => child.on('exit', (c, s) => resolve([c, s])));
  return { code, signal: sig, out, err: quiet(err), afterSignalMs: Date.now() - (sentAt || started) };
}

test('Ctrl-C and SIGTERM stop Python cleanly, then end node as without promethean (killed by the signal)', async () => {
  for (const [how, signal] of [['sigint', 'SIGINT'], ['sigterm', 'SIGTERM'], ['sigint-busy', 'SIGINT']]) {
    const r = await signalled(how, signal);
    assert.equal(r.signal, signal, `${how}: exit ${r.code}: ${r.err}`);  // node's own end
    assert.equal(r.out, 'waiting\npython ended\n', how);  // Python's atexit ran: it stopped cleanly
    assert.equal(r.err, '', how);  // the ledger check passed (PROMETHEAN_LEAK_CHECK aborts on a leak)
  }
});

test('Ctrl-C during a Python call on the main thread stops once the call returns', async () => {
  const r = await signalled('sigint-in-python');
  assert.equal(r.signal, 'SIGINT', `exit ${r.code}: ${r.err}`);
  // The stop comes at the first check for interrupts in JS after the call: at once, or a statement later.
  assert.match(r.out, /^waiting\nnap over\n(after the call\n)?python ended\n$/);
  assert.equal(r.err, '');
});

test('a second Ctrl-C while the stop waits ends node at once', async () => {
  const r = await signalled('sigint-twice', 'SIGINT', 2);
  assert.equal(r.signal, 'SIGINT', `exit ${r.code}: ${r.err}`);
  assert.equal(r.out, 'waiting\n');  // Python's 60 s call did not finish, nor did atexit run
  assert.ok(r.afterSignalMs < 20000, `${r.afterSignalMs} ms`);
});

test("a program that listens for SIGINT itself gets it, and ends its own way", async () => {
  const r = await signalled('sigint-listened');
  assert.equal(r.code, 3, `${r.signal}: ${r.err}`);
  assert.equal(r.out, 'waiting\nthe program heard it\npython ended\n');
  assert.equal(r.err, '');
});

test('require in a worker_threads Worker is a clear error, and the main thread goes on', () => {
  const r = node('in_worker.js');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^refused: require\('promethean'\) works in node's main thread only/);
  assert.match(r.stdout, /main 42\n$/);
});

test(`shutdown with work in flight, ${RUNS} times`, () => {
  const failures = [];
  for (let i = 0; i < RUNS; i++) {
    const r = node('in_flight.js', [String(5 + (i % 10) * 5)], { timeout: 30000 });
    if (r.status !== 0 || r.stdout !== 'exiting\n' || quiet(r.stderr) !== '') {
      failures.push(`run ${i}: status ${r.status} signal ${r.signal}\n${r.stdout}${r.stderr}`);
    }
  }
  assert.deepEqual(failures.slice(0, 3), [], `${failures.length} of ${RUNS} runs failed`);
});
