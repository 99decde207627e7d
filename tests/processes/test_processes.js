// Runtimes in processes of their own from JS (docs/PROCESSES.md), by Node's test runner: inside
// `promethean run` (embedded) and in a plain node that requires promethean (hosted). The Python
// suite (test_processes.py) covers the rest; this one shows the JS API reaching the same workers.
'use strict';
const test = require('node:test');
const assert = require('node:assert');
const promethean = require('promethean');

promethean.eval('py@js', [
  'import os',
  'def pid():',
  '    return os.getpid()',
  'def fill(a, v):',
  '    a[:] = v',
  '    return int(a.sum())',
  'def back(f, x):',
  '    return f(x) * 2',
].join('\n'));

test('an instance runs in a process of its own', () => {
  const pid = promethean.call('py@js', 'pid');
  assert.notStrictEqual(pid, process.pid);
  assert.strictEqual(promethean.runtimes()['py@js'].pid, pid);
});

test('host memory is shared with the worker; V8 memory crosses as a copy', () => {
  const shared = promethean.alloc([4], 'uint8');
  assert.strictEqual(promethean.call('py@js', 'fill', shared, 9), 36);
  assert.deepStrictEqual(Array.from(shared), [9, 9, 9, 9]);
  const own = new Uint8Array(4);  // V8's own memory: documented as copied, writes not seen here
  assert.strictEqual(promethean.call('py@js', 'fill', own, 5), 20);
  assert.deepStrictEqual(Array.from(own), [0, 0, 0, 0]);
});

test('a JS function is called back from the worker', () => {
  assert.strictEqual(promethean.call('py@js', 'back', (x) => x + 1, 20), 42);
});

test('async calls', async () => {
  assert.strictEqual(await promethean.callAsync('py@js', 'pid'), promethean.call('py@js', 'pid'));
});

test('a crash is an error and the next call starts a fresh worker', () => {
  const before = promethean.call('py@js', 'pid');
  assert.throws(() => promethean.eval('py@js', 'import os; os._exit(3)'), (e) => {
    assert.strictEqual(e.type, 'RuntimeCrashed');
    assert.strictEqual(e.runtime, 'py@js');
    assert.match(e.message, /exited with status 3/);
    return true;
  });
  assert.strictEqual(promethean.eval('py@js', '6 * 7'), 42);
  assert.notStrictEqual(promethean.eval('py@js', '__import__("os").getpid()'), before);
});
