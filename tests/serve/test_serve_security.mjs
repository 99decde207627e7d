// `promethean serve` is secure by default: the token (missing, wrong), the Origin (foreign refused,
// own and --allow-origin accepted, none accepted), the message size limit (1009 closes only that
// connection), the URL line, the static files (no path out of the directory), stopping on SIGINT.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';

import { CLI, CLIENT, SOURCE, startServer, wsClass } from './serve_helper.mjs';

const { connect, tensor } = await import(CLIENT);
const WebSocket = wsClass();
const server = await startServer([
  '--max-message-bytes', '65536', '--allow-origin', 'https://allowed.example',
  '--static', path.join(SOURCE, 'examples/browser'), path.join(SOURCE, 'tests/serve/data/serve_fixture.py'),
]);
test.after(async () => {
  assert.equal(await server.stop('SIGINT'), 0, 'serve exits 0 on Ctrl-C');
});

/** How an upgrade ends: {status} when refused (the HTTP status), {open: true} when accepted. */
function upgrade(url, options = {}) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options);
    ws.on('unexpected-response', (req, res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    ws.on('open', () => { ws.close(); resolve({ open: true }); });
    ws.on('error', (e) => { if (!/Unexpected server response/.test(e.message)) reject(e); });
  });
}

function get(pathname) {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port: server.port, path: pathname }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode, type: res.headers['content-type'], body }));
    }).on('error', reject);
  });
}


test('the printed URL carries a 192-bit random token, on loopback', () => {
  assert.match(server.url, /^ws:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{48}$/);
});

test('no token or a wrong one: refused before the upgrade', async () => {
  const bare = `ws://127.0.0.1:${server.port}/`;
  const none = await upgrade(bare);
  assert.equal(none.status, 401);
  assert.match(none.body, /needs the token/);
  const wrong = server.token.replace(/^./, (c) => (c === '0' ? '1' : '0'));
  const bad = await upgrade(`${bare}?token=${wrong}`);
  assert.equal(bad.status, 403);
  assert.match(bad.body, /wrong token/);
  assert.equal((await upgrade(`${bare}?token=${server.token.slice(0, 10)}`)).status, 403, 'a prefix is not the token');
  assert.deepEqual(await upgrade(bare, { headers: { Authorization: `token ${server.token}` } }), { open: true });
});

test('a foreign Origin is refused; the own one, an allowed one and none are accepted', async () => {
  const evil = await upgrade(server.url, { origin: 'http://evil.example' });
  assert.equal(evil.status, 403);
  assert.match(evil.body, /origin 'http:\/\/evil.example' is not allowed/);
  assert.equal((await upgrade(server.url, { origin: 'null' })).status, 403, 'a sandboxed page (Origin: null)');
  assert.equal((await upgrade(server.url, { origin: `http://127.0.0.1:${server.port + 1}` })).status, 403, 'another port');
  assert.deepEqual(await upgrade(server.url, { origin: server.origin }), { open: true });
  assert.deepEqual(await upgrade(server.url, { origin: `http://localhost:${server.port}` }), { open: true });
  assert.deepEqual(await upgrade(server.url, { origin: 'https://allowed.example' }), { open: true });
  assert.deepEqual(await upgrade(server.url), { open: true });
});

test('a message over the limit closes that connection with 1009; the host and the others go on', async () => {
  const victim = await connect(server.url, { WebSocket });
  const bystander = await connect(server.url, { WebSocket });
  const closed = new Promise((resolve) => victim.socket.on('close', (code) => resolve(code)));
  const call = victim.call('py', 'info', tensor(new Uint8Array(100 * 1024), [100 * 1024]));
  assert.equal(await closed, 1009);
  await assert.rejects(call, /connection closed \(1009/);
  assert.equal(await bystander.call('py', 'add', 20, 22), 42);
  // Under the limit is fine, and so is a text frame just under it.
  const ok = await bystander.call('py', 'info', tensor(new Uint8Array(60 * 1024).fill(1), [60 * 1024]));
  assert.equal(ok.sum, 60 * 1024);
  const text = await connect(server.url, { WebSocket });
  const textClosed = new Promise((resolve) => text.socket.on('close', (code) => resolve(code)));
  text.call('py', 'add', 'x'.repeat(70 * 1024), '').catch(() => {});
  assert.equal(await textClosed, 1009);
  assert.equal(await bystander.call('py', 'add', 1, 1), 2);
  await bystander.close();
});

test('plain HTTP: the client module and the static files, nothing outside the directory', async () => {
  const module = await get('/promethean-client.mjs');
  assert.equal(module.status, 200);
  assert.match(module.type, /^text\/javascript/);
  assert.match(module.body, /export async function connect/);
  const index = await get('/');
  assert.equal(index.status, 200);
  assert.match(index.body, /canvas/);
  for (const p of ['/../serve_fixture.py', '/%2e%2e/%2e%2e/CMakeLists.txt', '/..%2f..%2fCMakeLists.txt', '/nope.html']) {
    const r = await get(p);
    assert.equal(r.status, 404, p);
  }
});

test('bad options are usage errors (exit 2) naming what is wanted', () => {
  const cases = [
    [['--listen', 'nope:1'], /'nope' is not an IP address/],
    [['--listen', '127.0.0.1:99999'], /port from 0 to 65535/],
    [['--token', 'short'], /at least 16 characters/],
    [['--static', '/nonexistent-dir'], /is not a directory/],
    [['--max-message-bytes', 'lots'], /whole number of bytes/],
    [['--frobnicate'], /unknown option '--frobnicate'/],
    [['nofile.txt'], /cannot tell which runtime loads 'nofile.txt'/],
    [['--listen'], /--listen needs a value/],
  ];
  for (const [args, message] of cases) {
    const r = spawnSync(CLI, ['serve', ...args], { encoding: 'utf8', timeout: 60000 });
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.equal(r.stdout, '', 'no URL printed');
  }
  // A port in use is an error at once, not later.
  const r = spawnSync(CLI, ['serve', '--listen', `127.0.0.1:${server.port}`], { encoding: 'utf8', timeout: 60000 });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /cannot listen on 127.0.0.1:\d+: Address already in use/);
});
