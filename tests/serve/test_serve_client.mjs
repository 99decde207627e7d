// The Node client (node/promethean/client.mjs) against `promethean serve`: calls, eval, buffers both
// ways, the error envelope, protocol errors, a client's exports called by Python, a disconnected
// client's name, names refused, concurrent calls on several connections, messages to a client.
import test from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';

import { CLIENT, SOURCE, startServer, wsClass, eventually } from './serve_helper.mjs';

const { connect, tensor, ForeignError } = await import(CLIENT);
const WebSocket = wsClass();
const server = await startServer([path.join(SOURCE, 'tests/serve/data/serve_fixture.py')]);
test.after(async () => {
  assert.equal(await server.stop(), 0, 'serve exits 0 on SIGTERM');
  assert.match(server.stderr(), /promethean serve: stopped/);
});

/** Sends raw text on a fresh connection; resolves with the first reply, parsed. */
async function raw(text) {
  const ws = new WebSocket(server.url);
  await new Promise((resolve, reject) => { ws.on('open', resolve); ws.on('error', reject); });
  const reply = new Promise((resolve) => ws.once('message', (data) => resolve(JSON.parse(data.toString()))));
  ws.send(text);
  const r = await reply;
  ws.close();
  return r;
}

test('hello lists the runtimes; call and eval', async () => {
  const c = await connect(server.url, { WebSocket });
  assert.ok(c.runtimes.includes('py') && c.runtimes.includes('rust'), c.runtimes.join(','));
  assert.equal(c.name, null);
  assert.equal(await c.call('py', 'add', 2, 3), 5);
  assert.deepEqual(await c.call('py', 'add', [1], [2]), [1, 2]);
  assert.equal(await c.eval('py', '6 * 7'), 42);
  assert.equal(await c.eval('meta', '(+ 1 2)'), 3);
  await c.close();
});

test('buffers: a TypedArray arrives as a numpy array with its shape, and one comes back', async () => {
  const c = await connect(server.url, { WebSocket });
  const a = tensor(new Float32Array([1, 2, 3, 4, 5, 6]), [2, 3]);
  const seen = await c.call('py', 'info', a);
  assert.deepEqual(seen.shape, [2, 3]);
  assert.equal(seen.dtype, 'float32');
  assert.equal(seen.sum, 21);
  const doubled = await c.call('py', 'scale', a, 2);
  assert.ok(doubled instanceof Float32Array);
  assert.deepEqual(doubled.shape, [2, 3]);
  assert.deepEqual([...doubled], [2, 4, 6, 8, 10, 12]);
  const made = await c.call('py', 'make', 5);
  assert.ok(made instanceof Float64Array);
  assert.deepEqual([...made], [0, 1, 2, 3, 4]);
  // Several buffers in one call, in nested positions; a plain ArrayBuffer is uint8.
  const both = await c.call('py', 'add', [new Uint8Array([1, 2])], [new Uint8Array([3]).buffer]);
  assert.equal(both.length, 2);
  assert.deepEqual([...both[0]], [1, 2]);
  assert.deepEqual([...both[1]], [3]);
  await c.close();
});

test('errors come back as the error envelope', async () => {
  const c = await connect(server.url, { WebSocket });
  await assert.rejects(c.call('py', 'fail', 'bad input'), (e) => {
    assert.ok(e instanceof ForeignError);
    assert.equal(e.runtime, 'py');
    assert.equal(e.type, 'ValueError');
    assert.match(e.message, /bad input/);
    assert.match(e.trace, /fail/);
    return true;
  });
  await assert.rejects(c.call('nope', 'f'), (e) => e.type === 'UsageError' && /nope/.test(e.message));
  await assert.rejects(c.eval('py', '1/0'), (e) => e.type === 'ZeroDivisionError');
  // A timeout fails the call at once and the connection goes on.
  const start = Date.now();
  await assert.rejects(c.callWithTimeout(300, 'py', 'slow', 1), (e) => e.type === 'Timeout');
  assert.ok(Date.now() - start < 900, `the timed-out call took ${Date.now() - start} ms`);
  assert.equal(await c.call('py', 'add', 1, 2), 3);
  // The Python call itself goes on inside time.sleep (the host's timeout stops Python between
  // bytecodes); the server is stopped while it sleeps, and must still exit cleanly.
  await c.close();
});

test('bad JSON and unknown ops get an error naming what was expected; the connection goes on', async () => {
  const notJson = await raw('{"op": "call", nope');
  assert.equal(notJson.id, null);
  assert.equal(notJson.error.type, 'ProtocolError');
  assert.match(notJson.error.message, /not JSON/);
  const unknown = await raw('{"op": "launch", "id": 3}');
  assert.equal(unknown.id, 3);
  assert.match(unknown.error.message, /hello, call, eval, send_json, export, runtimes, result/);
  const missing = await raw('{"op": "call", "id": "x", "runtime": "py"}');
  assert.equal(missing.id, 'x');
  assert.match(missing.error.message, /needs "function"/);
  const badArgs = await raw('{"op": "call", "id": 5, "runtime": "py", "function": "add", "args": 7}');
  assert.match(badArgs.error.message, /"args": an array/);
  const forged = await raw('{"op": "call", "id": 6, "runtime": "py", "function": "info", "args": [{"_type": "Buffer", "buffer_id": "b1"}]}');
  assert.match(forged.error.message, /binary frame/);
  const noFrame = await raw('{"op": "call", "id": 7, "runtime": "py", "function": "info", "args": [{"_type": "Buffer", "ref": "r9"}]}');
  assert.match(noFrame.error.message, /no binary frame with ref 'r9'/);
  const array = await raw('[1, 2]');
  assert.match(array.error.message, /JSON object/);
});

test('a client exports functions that Python calls by its name, buffers both ways', async () => {
  const web = await connect(server.url, { WebSocket, name: 'web' });
  assert.equal(web.name, 'web');
  await web.export('double', (x) => x * 2);
  await web.export('reverse', (a) => tensor(Float64Array.from(a).reverse(), [a.length]));
  await web.export('boom', () => { throw new TypeError('boom from the client'); });
  const other = await connect(server.url, { WebSocket });
  assert.ok((await other.listRuntimes()).includes('web'));
  assert.equal(await other.call('py', 'ask_web', 'double', 21), 42);
  const reversed = await other.call('py', 'ask_web', 'reverse', tensor(new Float64Array([1, 2, 3]), [3]));
  assert.deepEqual([...reversed], [3, 2, 1]);
  await assert.rejects(other.call('py', 'ask_web', 'boom'), (e) => /boom from the client/.test(e.message));
  await assert.rejects(other.call('py', 'ask_web', 'missing'), (e) => /exports no function 'missing'.*boom, double, reverse/.test(e.message));
  // A message to the client: its onMessage handler's return is the reply.
  web.onMessage((payload) => ({ got: payload }));
  assert.deepEqual(await other.call('py', 'message_web', { x: 1 }), { got: { x: 1 } });
  // Names: taken while web is connected; a host runtime's name never.
  await assert.rejects(connect(server.url, { WebSocket, name: 'web' }), /taken by another connection/);
  await assert.rejects(connect(server.url, { WebSocket, name: 'py' }), /is a runtime of the host/);
  // Gone: the name gives a clear error; a new connection can take it again.
  await web.close();
  await eventually(async () => {
    try {
      await other.call('py', 'ask_web', 'double', 1);
      return false;
    } catch (e) {
      assert.match(e.message, /client 'web' is not connected/);
      return true;
    }
  });
  const again = await connect(server.url, { WebSocket, name: 'web' });
  await again.export('double', (x) => x * 3);
  assert.equal(await other.call('py', 'ask_web', 'double', 2), 6);
  await again.close();
  await other.close();
});

test('a client that disconnects mid-call fails that call with Disconnected', async () => {
  const web = await connect(server.url, { WebSocket, name: 'web' });
  let started;
  const seen = new Promise((resolve) => { started = resolve; });
  await web.export('hang', () => { started(); return new Promise(() => {}); });
  const other = await connect(server.url, { WebSocket });
  const call = other.call('py', 'ask_web', 'hang');
  await seen;
  web.socket.close();
  await assert.rejects(call, (e) => /disconnected before it answered/.test(e.message));
  await other.close();
});

test('calls run concurrently, on several connections, and never block the I/O thread', async () => {
  const a = await connect(server.url, { WebSocket });
  const b = await connect(server.url, { WebSocket });
  const start = Date.now();
  const slow = [a.call('py', 'slow', 0.8), a.call('py', 'slow', 0.8), b.call('py', 'slow', 0.8)];
  // While the three sleep, a quick call on either connection answers at once.
  const quickStart = Date.now();
  assert.equal(await b.call('py', 'add', 1, 1), 2);
  assert.ok(Date.now() - quickStart < 600, `a quick call waited ${Date.now() - quickStart} ms behind slow ones`);
  assert.deepEqual(await Promise.all(slow), [0.8, 0.8, 0.8]);
  const took = Date.now() - start;
  assert.ok(took < 2000, `three 0.8 s calls in flight at once took ${took} ms`);
  await a.close();
  await b.close();
});

test('client.d.ts and index.d.ts declare what the client module and a client have', async () => {
  const ts = (await import('./serve_helper.mjs')).require('typescript');
  const dts = path.join(path.dirname(CLIENT), 'client.d.ts');
  const program = ts.createProgram([dts], { strict: true, noEmit: true, types: [], lib: ['lib.es2022.d.ts'] });
  const problems = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  assert.deepEqual(problems, [], 'client.d.ts compiles');
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(dts);
  const values = [];
  let clientMembers = null;
  for (const exported of checker.getExportsOfModule(checker.getSymbolAtLocation(source))) {
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    if (exported.name === 'ServeClient') {
      clientMembers = checker.getPropertiesOfType(checker.getDeclaredTypeOfSymbol(symbol)).map((s) => s.name).sort();
    }
    if (symbol.flags & ts.SymbolFlags.Value) values.push(exported.name);
  }
  const module = await import(CLIENT);
  assert.deepEqual(values.sort(), Object.keys(module).sort());
  const c = await connect(server.url, { WebSocket });
  assert.deepEqual(clientMembers, Object.keys(c).sort());
  await c.close();
});
