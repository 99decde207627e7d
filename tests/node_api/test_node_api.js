'use strict';
// The JS API, one suite for every way in: run inside `promethean run` (the embedded mode, where
// `promethean` is the host's built-in module) and inside a plain node with the npm package (the
// Node-hosted mode), with the same assertions, by Node's own test runner (node:test).
// PROMETHEAN_TEST_MODE says which mode is expected; PM_TESTKIT_PLUGIN is the test plugin's file.
// tests/node_api/CMakeLists.txt registers it once per mode.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

const promethean = require('promethean');

const HOSTED = process.env.PROMETHEAN_TEST_MODE === 'hosted';
const DATA = path.join(__dirname, 'data');
const TESTKIT = process.env.PM_TESTKIT_PLUGIN;

const py = (code) => promethean.eval('py', code);
const loaded = new Set();
/** Loads a plugin once per process (a second load of one name is an error, as it should be). */
function loadPlugin(nameOrPath) {
  if (!loaded.has(nameOrPath)) promethean.load('rust', nameOrPath);
  loaded.add(nameOrPath);
}
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

test('the mode is the one asked for', () => {
  assert.ok(['embedded', 'hosted'].includes(process.env.PROMETHEAN_TEST_MODE));
  // Hosted: the process is node itself, not the promethean binary; either way, one libnode.
  const maps = fs.readFileSync('/proc/self/maps', 'utf8');
  const libnodes = new Set(maps.split('\n').filter((l) => l.includes('libnode.so')).map((l) => l.split(/\s+/).pop()));
  assert.equal(libnodes.size, 1, [...libnodes].join(', '));
  const exe = fs.readlinkSync('/proc/self/exe');
  assert.equal(path.basename(exe) === 'promethean', !HOSTED, exe);
});

test('the runtimes, and versions', () => {
  const found = promethean.runtimes();
  for (const name of ['py', 'js', 'rust', 'sh', 'meta']) assert.ok(name in found, name);
  assert.equal(found.js.version, process.versions.node);
});

test('eval in every runtime', () => {
  assert.equal(promethean.eval('js', '6 * 7'), 42);
  assert.equal(promethean.eval('py', '1 + 1'), 2);
  assert.equal(promethean.eval('sh', 'echo hi').stdout, 'hi\n');
  assert.equal(promethean.eval('meta', '(+ 1 2)'), 3);
});

test('call Python with values, and Python functions come back callable', () => {
  py('def describe(o):\n    return {"keys": sorted(o), "n": len(o["list"])}');
  assert.deepEqual(promethean.call('py', 'describe', { b: 1, a: null, list: [1, 2, 3] }), { keys: ['a', 'b', 'list'], n: 3 });
  py('def adder(k):\n    return lambda x: x + k');
  const add5 = promethean.call('py', 'adder', 5);
  assert.equal(typeof add5, 'function');
  assert.equal(add5(37), 42);
});

test('scalar arguments cross as they do inside an array', () => {
  // Plain scalars go to Python as typed arguments (no JSON array between); anything else, and the
  // same values inside an array, go as JSON. Both must give Python the same values and errors.
  py(`def scalar_kinds(*a):
    return [[type(v).__name__, repr(v)] for v in a]
def scalar_kinds_of_list(values):
    return scalar_kinds(*values)`);
  const outcome = (fn, ...args) => {
    try {
      return ['value', promethean.call('py', fn, ...args)];
    } catch (e) {
      return ['error', e.name, e.message];
    }
  };
  const cases = [[], [null, undefined, true, false], [0, -1, 2 ** 53 - 1, -(2 ** 53 - 1), 2 ** 53, 1e21],
    [1.5, -0, 0.1 + 0.2], [NaN], [Infinity], ['', 'é\n', 'a\0b', '😀', '\ud800'], [10n, 2n ** 63n],
    [1, 2, 3, 4, 5, 6, 7, 8, 9]];
  for (const args of cases) {
    assert.deepEqual(outcome('scalar_kinds', ...args), outcome('scalar_kinds_of_list', args), String(args));
  }
  assert.deepEqual(promethean.call('py', 'scalar_kinds', 7, 2.5, 'x', null, true),
    [['int', '7'], ['float', '2.5'], ['str', "'x'"], ['NoneType', 'None'], ['bool', 'True']]);
});

test('export makes a JS function callable from Python and meta', () => {
  promethean.export('nodeApiTriple', (x) => 3 * x);
  assert.equal(py("__import__('promethean').call('js', 'nodeApiTriple', 14)"), 42);
  assert.equal(promethean.eval('meta', '(call "js" "nodeApiTriple" 5)'), 15);
  function nodeApiNamed(s) { return s.toUpperCase(); }
  promethean.export(nodeApiNamed);
  assert.equal(promethean.call('js', 'nodeApiNamed', 'ok'), 'OK');
});

test('load a Python file and a Rust plugin', () => {
  promethean.load('py', path.join(DATA, 'node_api_module.py'));
  assert.equal(promethean.call('py', 'node_api_module.greet', 'node'), 'hello, node');
  loadPlugin(TESTKIT);
  assert.equal(promethean.call('rust', 'testkit.add', 40, 2), 42);
});

test('sendJson and onMessage', () => {
  py('import promethean\npromethean.on_message(lambda m: {"got": m["msg"], "from": "py"})');
  assert.deepEqual(promethean.sendJson('py', { msg: 'hi' }), { got: 'hi', from: 'py' });
  promethean.onMessage((m) => ({ echoed: m }));
  assert.deepEqual(py("__import__('promethean').send_json('js', [1, 2])"), { echoed: [1, 2] });
});

test('errors of other runtimes are ForeignErrors with their traceback', () => {
  py('def fails(x):\n    raise ValueError(f"bad value {x}")');
  assert.throws(() => promethean.call('py', 'fails', 7), (e) => {
    assert.ok(e instanceof promethean.ForeignError);
    assert.equal(e.runtime, 'py');
    assert.equal(e.type, 'ValueError');
    assert.match(e.message, /bad value 7/);
    assert.match(e.trace, /fails/);
    return true;
  });
  assert.throws(() => promethean.eval('nope', '1'), /nope/);
  assert.throws(() => promethean.call('py'), /argument 2 \(function\) must be a string/);
});

test('eval gives null for a value that cannot cross, after its effect', async () => {
  // Code is evaluated for its effect (issue 27 item 4): the effect happens, and eval gives null,
  // never an error after it.
  const exitListeners = process.listenerCount('exit');
  assert.equal(promethean.eval('js', "process.on('exit', () => {})"), null);
  assert.equal(process.listenerCount('exit'), exitListeners + 1);
  assert.equal(promethean.eval('js', 'globalThis.nodeApiMap = new Map([[1, 2]])'), null);
  assert.equal(globalThis.nodeApiMap.get(1), 2);
  assert.equal(promethean.eval('js', "new Error('x')"), null);
  assert.equal(promethean.eval('js', "({a: new Map(), s: Symbol('s')})"), null);
  assert.equal(py('globals().setdefault("node_api_obj", object())'), null);
  assert.equal(py('type(node_api_obj).__name__'), 'object');
  assert.equal(await promethean.evalAsync('js', 'Promise.resolve(new Map())'), null);
  assert.equal(await promethean.evalAsync('py', 'object()'), null);
  assert.deepEqual(promethean.eval('meta', '(eval-in "py" "object()")'), {_type: 'MetaObject', source: 'py', data: null});
  // What crosses is returned as before; a call's result must cross and says why not.
  assert.deepEqual(promethean.eval('js', "({a: [1, 'x']})"), {a: [1, 'x']});
  assert.throws(() => promethean.call('py', 'object'), (e) => {
    assert.ok(e instanceof promethean.ForeignError);
    assert.equal(e.type, 'TypeError');
    assert.match(e.message, /cannot send an object across runtimes/);
    return true;
  });
});

test('the *WithTimeout forms stop runaway work, and the runtimes go on', () => {
  py('import time\ndef spin():\n    while True:\n        time.sleep(0.001)');
  const started = Date.now();
  assert.throws(() => promethean.callWithTimeout(0.3, 'py', 'spin'), (e) => e.type === 'Timeout');
  assert.ok(Date.now() - started < 5000);
  assert.equal(promethean.evalWithTimeout(5, 'py', '2 + 2'), 4);
  // Runaway JS, directly and under Python: terminated, and JS goes on (timers too).
  assert.throws(() => promethean.evalWithTimeout(0.3, 'js', 'while (true) {}'), (e) => e.type === 'Timeout');
  py('import promethean\ndef spin_js():\n    return promethean.eval("js", "while (true) {}")');
  assert.throws(() => promethean.callWithTimeout(0.3, 'py', 'spin_js'), (e) => e.type === 'Timeout');
  assert.equal(promethean.eval('js', '1 + 1'), 2);
});

test('callAsync settles with the result', async () => {
  py('def slow_square(x):\n    import time\n    time.sleep(0.02)\n    return x * x');
  assert.equal(await promethean.callAsync('py', 'slow_square', 9), 81);
  await assert.rejects(promethean.callAsync('py', 'fails', 1), (e) => e.type === 'ValueError');
});

test('zero-copy: a TypedArray to numpy and back, written both ways', () => {
  const a = new Float64Array([1, 2, 3, 4]);
  py('import numpy as np\ndef bump(x):\n    x[0] = 100\n    return x');
  const back = promethean.call('py', 'bump', a);
  assert.equal(a[0], 100);  // Python wrote into JS's memory
  assert.equal(back.buffer, a.buffer);  // and the same memory came back
  back[1] = -5;
  assert.equal(a[1], -5);
  py('def address_of(x):\n    return x.__array_interface__["data"][0]');
  assert.equal(promethean.call('py', 'address_of', a), promethean.bufferInfo(a).address);
  const f = new Float32Array(16);
  loadPlugin(TESTKIT);
  assert.equal(promethean.call('rust', 'testkit.address', f), promethean.bufferInfo(f).address);
});

test('zero-copy: numpy memory to JS, written both ways', () => {
  py('import numpy as np\nshared = np.arange(8, dtype=np.float32)');
  const t = py('shared');
  assert.ok(t instanceof Float32Array);
  t[3] = 99;
  assert.equal(py('float(shared[3])'), 99);
  py('shared[4] = -1');
  assert.equal(t[4], -1);
  assert.equal(promethean.bufferInfo(t).address, py('shared.__array_interface__["data"][0]'));
  assert.equal(promethean.bufferInfo(t).language, 'py');
});

test('alloc, buffer types and registered views', () => {
  promethean.registerBufferType('NodeGray', { layout: ['height', 'width'], format: 'uint8' });
  const g = promethean.alloc([2, 2], null, 'NodeGray');
  assert.ok(g instanceof Uint8Array);
  g.set([0, 2, 4, 6]);
  const info = promethean.bufferInfo(g);
  assert.equal(info.type, 'NodeGray');
  assert.deepEqual(info.shape, [2, 2]);
  py('import promethean\npromethean.register_view("NodeGray", "total", lambda b: int(b.sum()))');
  assert.equal(promethean.view(g, 'total'), 12);  // JS asks, Python computes on JS's memory
  promethean.registerView('NodeGray', 'mean', (b) => b.reduce((s, x) => s + x, 0) / b.length);
  py('def mean_of(b):\n    return promethean.view(b, "mean")');
  assert.equal(promethean.call('py', 'mean_of', g), 3);  // Python asks, JS computes
});

test('a Python buffer kept by JS outlives Python dropping it, and is freed once', () => {
  py('import numpy as np\nkept = np.full(1 << 16, 3, dtype=np.uint8)');
  const held = py('kept');
  py('del kept\nimport gc\ngc.collect()');
  assert.equal(held.reduce((s, x) => s + x, 0), 3 << 16);
});

test('a JS buffer kept by Python outlives JS dropping it', async () => {
  py('js_kept = []\ndef keep_js(a):\n    js_kept.append(a)\n    return len(js_kept)');
  (() => {
    const mine = new Uint16Array(1 << 15).fill(5);
    promethean.call('py', 'keep_js', mine);
  })();
  // JS keeps no reference: V8 may collect the TypedArray, the memory stays Python's to read.
  await sleep(20);
  assert.equal(py('int(js_kept[-1].sum())'), 5 << 15);
  py('js_kept.clear()');
});

test('depth js → py → js → rust → py with every frame in the error', () => {
  loadPlugin('pycall');
  py(`import promethean, threading
def node_bottom(x):
    raise ValueError(f"raised at the bottom with {x}")
def node_middle():
    return promethean.call("js", "nodeInner")
def node_ok(x):
    return x + 0.5
def node_middle_ok():
    return promethean.call("js", "nodeInnerOk")`);
  globalThis.nodeInner = function nodeInner() { return promethean.call('rust', 'pycall.apply', 'node_bottom', 7); };
  globalThis.nodeInnerOk = function nodeInnerOk() { return promethean.call('rust', 'pycall.apply', 'node_ok', 2); };
  function nodeOuter() { return promethean.call('py', 'node_middle'); }
  assert.equal(promethean.call('py', 'node_middle_ok'), 2.5);
  assert.throws(nodeOuter, (e) => {
    assert.equal(e.type, 'ValueError');
    assert.equal(e.runtime, 'py');
    for (const frame of ['node_bottom', 'nodeInner', 'pycall.apply', 'node_middle']) {
      assert.ok(e.trace.includes(frame), `no frame ${frame} in:\n${e.trace}`);
    }
    return true;
  });
});

test('four Python threads call JS while a JS timer ticks', async () => {
  let ticks = 0;
  const timer = setInterval(() => { ticks++; }, 5);
  try {
    promethean.export('nodeSquare', (x) => x * x);
    py(`import threading, promethean
node_results, node_errors = {}, []
def node_work(i):
    try:
        node_results[i] = [promethean.call("js", "nodeSquare", i * 100 + k) for k in range(50)]
    except BaseException as e:
        node_errors.append(repr(e))
node_threads = [threading.Thread(target=node_work, args=(i,)) for i in range(4)]
for t in node_threads: t.start()`);
    // The main thread goes back to its loop: the threads' calls are served from there.
    while (py('any(t.is_alive() for t in node_threads)')) await sleep(10);
    assert.deepEqual(py('node_errors'), []);
    for (let i = 0; i < 4; i++) {
      assert.deepEqual(py(`node_results[${i}]`), Array.from({ length: 50 }, (_, k) => (i * 100 + k) ** 2));
    }
    // The timer went on ticking through it all (the threads may have ended before its first tick:
    // 200 calls take a few milliseconds).
    await sleep(20);
    assert.ok(ticks > 0);
  } finally {
    clearInterval(timer);
  }
});

test('JS calls Python, which joins a thread that calls JS (no deadlock)', () => {
  py(`import threading, promethean
def node_spawn_and_join(x):
    out = []
    worker = threading.Thread(target=lambda: out.append(promethean.call("js", "nodeTriple", x)))
    worker.start()
    worker.join()
    return out[0]`);
  globalThis.nodeTriple = (x) => 3 * x;
  assert.equal(promethean.call('py', 'node_spawn_and_join', 14), 42);
});

test('a Python thread awaits an async JS function', () => {
  globalThis.nodeLater = (x) => new Promise((resolve) => setTimeout(() => resolve(x * 2), 20));
  py(`import threading, promethean
def node_await_in_threads(n):
    results = [None] * n
    def work(i):
        results[i] = promethean.call("js", "nodeLater", i)
    threads = [threading.Thread(target=work, args=(i,)) for i in range(n)]
    for t in threads: t.start()
    for t in threads: t.join()
    return results`);
  // The main thread waits inside Python meanwhile: the threads run the loop themselves.
  assert.deepEqual(promethean.call('py', 'node_await_in_threads', 4), [0, 2, 4, 6]);
});

test("a Rust plugin's threads call JS and Python", async () => {
  loadPlugin(TESTKIT);
  const expected = (n) => Array.from({ length: n }, (_, i) => {
    let sumPy = 0;
    let sumJs = 0;
    for (let k = 0; k < 50; k++) { sumPy += i + k; sumJs += Math.max(i, k); }
    return [sumPy, sumJs];
  });
  assert.deepEqual(promethean.call('rust', 'testkit.fan_out', 4), expected(4));
  assert.deepEqual(await promethean.callAsync('rust', 'testkit.fan_out', 2), expected(2));
});

test('Node goes on while Python sleeps in a thread of its own', async () => {
  const http = require('node:http');
  const server = http.createServer((req, res) => res.end(JSON.stringify({ path: req.url })));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address();
    py(`import threading, urllib.request, json
node_replies = []
def node_fetch(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/asked", timeout=10) as r:
        node_replies.append(json.loads(r.read()))
node_fetcher = threading.Thread(target=node_fetch, args=(${port},))
node_fetcher.start()`);
    while (py('node_fetcher.is_alive()')) await sleep(10);
    assert.deepEqual(py('node_replies'), [{ path: '/asked' }]);
  } finally {
    server.close();
  }
});

// Errors keep their type and place (issue 27, item 5).

test('a JS error that goes through Python and back is the same object', () => {
  class Marked extends Error {}
  const original = new Marked('mine');
  globalThis.throwMarked = () => { throw original; };
  py('import promethean\ndef relay_js(name):\n    return promethean.call("js", name)');
  let caught;
  try { promethean.call('py', 'relay_js', 'throwMarked'); } catch (e) { caught = e; }
  assert.equal(caught, original);
  assert.ok(caught instanceof Marked);
});

test('a Python error is a ForeignError whose stack shows the Python traceback', () => {
  py('def kw_missing(d):\n    return d["missing"]');
  let caught;
  try { promethean.call('py', 'kw_missing', {}); } catch (e) { caught = e; }
  assert.ok(caught instanceof promethean.ForeignError);
  assert.deepEqual([caught.runtime, caught.type, caught.message], ['py', 'KeyError', "'missing'"]);
  assert.match(caught.stack, /\n    \[the py traceback\]\n    Traceback \(most recent call last\):\n[\s\S]*in kw_missing\n[\s\S]*    KeyError: 'missing'$/);
  assert.match(caught.trace, /^Traceback/);
  // Printed once, in the stack: the trace is not an enumerable property an inspection repeats.
  assert.deepEqual(Object.keys(caught).sort(), ['name', 'runtime', 'type']);
});

// Keyword arguments (issue 27, item 7): promethean.kw({...}) as a call's last argument.

test('kw() gives a Python function its keyword arguments; numpy takes its dtype', async () => {
  const { kw } = promethean;
  assert.deepEqual(promethean.call('py', 'sorted', [3, 1, 2], kw({ reverse: true })), [3, 2, 1]);
  const zeros = promethean.call('py', 'numpy.zeros', 3, kw({ dtype: 'uint8' }));
  assert.ok(zeros instanceof Uint8Array);
  assert.equal(zeros.length, 3);
  assert.deepEqual(await promethean.callAsync('py', 'sorted', [2, 7], kw({ reverse: true })), [7, 2]);
  // A buffer in keyword arguments is the caller's memory, each under its own name.
  py(`def kw_fill(first, *, b, z):
    first[0], b[0], z[0] = 1, 2, 3
    return sorted(["b", "z"])`);
  const [first, b, z] = [new Uint8Array(2), new Uint8Array(3), new Uint8Array(4)];
  assert.deepEqual(promethean.call('py', 'kw_fill', first, kw({ z, b })), ['b', 'z']);
  assert.deepEqual([first[0], b[0], z[0]], [1, 2, 3]);
});

test('kw() mistakes are TypeErrors; a JS function gets a last plain object', () => {
  const { kw } = promethean;
  assert.throws(() => promethean.call('py', 'sorted', kw({ reverse: true }), [1]),
    /promethean\.kw\(\.\.\.\) must be the last argument \(it is argument 1 of 2\)/);
  assert.throws(() => kw(3), /promethean\.kw\(values\) takes one object/);
  assert.ok(Object.isFrozen(kw({ a: 1 })));
  promethean.eval('js', 'globalThis.kwOptions = (a, o) => [a, o]');
  assert.deepEqual(promethean.call('js', 'kwOptions', 1, kw({ x: 2 })), [1, { x: 2 }]);
  assert.throws(() => promethean.call('sh', 'echo', 1, kw({ x: 2 })),
    (e) => e instanceof promethean.ForeignError && e.type === 'TypeError' &&
      e.message.includes('sh function echo takes no keyword arguments (got x)'));
});

// Async across runtimes (issue 21): JS awaits Python coroutines, Python's asyncio awaits JS.

test('callAsync of an async def: a Promise settled by the coroutine, the loop free meanwhile', async () => {
  py(`import asyncio, threading
async def node_coro(x):
    await asyncio.sleep(0.1)
    return [x * 2, threading.current_thread().name]`);
  let ticks = 0;
  const timer = setInterval(() => { ticks++; }, 5);
  try {
    assert.deepEqual(await promethean.callAsync('py', 'node_coro', 21), [42, 'promethean-asyncio']);
  } finally {
    clearInterval(timer);
  }
  assert.ok(ticks >= 5, `the loop ticked ${ticks} times`);
  const viaCall = promethean.call('py', 'node_coro', 1);
  assert.ok(viaCall instanceof Promise);
  assert.deepEqual(await viaCall, [2, 'promethean-asyncio']);
  assert.deepEqual(await promethean.evalAsync('py', 'node_coro(2)'), [4, 'promethean-asyncio']);
});

test('an async def that returns at once settles with no thread hop: its step runs here, as a task of the loop', async () => {
  py(`import asyncio, threading
async def node_at_once(x):
    return [x + 1, threading.current_thread().name, asyncio.current_task().get_name()]`);
  // Eager only while Promethean's loop is idle: a try may find it busy (then it runs there).
  let result;
  for (let i = 0; i < 50; i++) {
    result = await promethean.callAsync('py', 'node_at_once', 1);
    assert.equal(result[0], 2);
    assert.equal(result[2], 'py coroutine node_at_once');
    if (result[1] !== 'promethean-asyncio') break;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.notEqual(result[1], 'promethean-asyncio', 'no first step ran on the calling thread');
});

test('1,000 concurrent coroutines are not serialised', async () => {
  py('import asyncio\nasync def node_sleepy(i):\n    await asyncio.sleep(0.1)\n    return i');
  const start = Date.now();
  const results = await Promise.all(Array.from({ length: 1000 }, (_, i) => promethean.callAsync('py', 'node_sleepy', i)));
  assert.deepEqual(results, Array.from({ length: 1000 }, (_, i) => i));
  assert.ok(Date.now() - start < 10000, `${Date.now() - start} ms (serialised: 100 s)`);
});

test('a Python exception in a coroutine rejects with its traceback', async () => {
  py('import asyncio\nasync def node_coro_fails(x):\n    await asyncio.sleep(0.01)\n    raise KeyError(x)');
  await assert.rejects(promethean.callAsync('py', 'node_coro_fails', 'k'), (e) => {
    assert.ok(e instanceof promethean.ForeignError);
    assert.equal(e.type, 'KeyError');
    assert.match(e.trace, /line 4, in node_coro_fails\nKeyError: 'k'/);
    return true;
  });
});

test('a blocking Python function through callAsync runs on a worker: JS goes on', async () => {
  py('import time\ndef node_blocking(x):\n    time.sleep(0.3)\n    return x + 1');
  let ticks = 0;
  const timer = setInterval(() => { ticks++; }, 10);
  const start = Date.now();
  try {
    const results = await Promise.all([1, 2, 3, 4].map((i) => promethean.callAsync('py', 'node_blocking', i)));
    assert.deepEqual(results, [2, 3, 4, 5]);
  } finally {
    clearInterval(timer);
  }
  assert.ok(Date.now() - start < 1100, `${Date.now() - start} ms: one after another would be 1.2 s`);
  assert.ok(ticks >= 10, `the loop ticked ${ticks} times`);
});

test("a Python thread's asyncio loop awaits JS Promises while this loop runs", async () => {
  globalThis.nodeLaterTwice = (x) => new Promise((resolve) => setTimeout(() => resolve(x * 2), 50));
  py(`import asyncio, threading, promethean
node_async_out = {}
def node_async_thread():
    async def main():
        node_async_out["values"] = await asyncio.gather(*(promethean.call_async("js", "nodeLaterTwice", i) for i in range(50)))
        try:
            await promethean.call_async("js", "nodeLaterTwice", 1, timeout=0.01)
        except promethean.ForeignError as e:
            node_async_out["timeout"] = e.type
    asyncio.run(main())
node_async_worker = threading.Thread(target=node_async_thread)
node_async_worker.start()`);
  while (py('node_async_worker.is_alive()')) await sleep(10);
  assert.deepEqual(py('node_async_out["values"]'), Array.from({ length: 50 }, (_, i) => i * 2));
  assert.equal(py('node_async_out["timeout"]'), 'Timeout');
});
