'use strict';
// sendJson to a runtime without a message handler, in a plain node (issue 23 item 6): each runtime
// prints the message's JSON on the process's stdout, as that language prints, and the reply is
// null; the sh child gets node's stdout although node marks its stdio close-on-exec.
// tests/node_api/CMakeLists.txt runs it.

const test = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..');  // inside the repository: require('promethean') finds it

test('each runtime without a handler prints the JSON, and the reply is null', () => {
  const r = spawnSync('/usr/bin/node', [path.join(__dirname, 'data', 'send_json_without_a_handler.js')],
    { cwd: ROOT, encoding: 'utf8', timeout: 60000 });
  assert.equal(r.status, 0, r.stderr);
  const expected = ['js', 'py', 'sh', 'meta'].map((rt) => `{"n":[1,2],"rt":"${rt}"}\n${rt} null\n`).join('');
  assert.equal(r.stdout, expected);
});
