'use strict';
// require('promethean') in your own node: Python (Debian's CPython and numpy), Rust plugins, sh and
// the meta language in this process, beside the JS that runs here. The addon (promethean.node)
// adopts this node as the `js` runtime; the other runtimes start on first use. The API is the one
// `promethean run` gives its scripts (docs/NODE.md).

const fs = require('fs');
const path = require('path');
const { isMainThread } = require('worker_threads');

if (!isMainThread) {
  throw new Error("require('promethean') works in node's main thread only, not in a worker_threads Worker " +
                  '(a Worker has a V8 isolate of its own): call promethean from the main thread');
}

/** Where the addon is: beside this file (the package assembled in a build tree), or in the build
 * that `npm install` made of the repository (package.json's install script). */
function addonPath() {
  const candidates = [
    process.env.PROMETHEAN_NODE_ADDON,
    path.join(__dirname, 'promethean.node'),
    path.join(__dirname, '..', '..', 'build', 'npm', 'node', 'promethean', 'promethean.node'),
  ].filter(Boolean);
  const found = candidates.find((candidate) => fs.existsSync(candidate));
  if (!found) {
    throw new Error('promethean: the native addon is not built; looked for ' + candidates.join(', ') +
                    ' (npm install builds it: see the install script in package.json)');
  }
  return found;
}

let promethean;
if (globalThis.promethean && typeof globalThis.promethean.call === 'function') {
  // Inside `promethean run` (the embedded mode) the module is the host's own.
  promethean = globalThis.promethean;
} else {
  const native = require(addonPath());
  const mainScript = require.main ? require.main.filename : process.argv[1];
  // Ctrl-C and SIGTERM, when the program does not listen for them (now; a listener added later
  // takes the signal over): Python and the plugins stop cleanly, then node ends its own way,
  // killed by the signal, also from inside a runaway loop (a JS listener here could not do that).
  promethean = native.start(require, mainScript, process.listenerCount('SIGINT') === 0,
                            process.listenerCount('SIGTERM') === 0);
  // At the end of the program (a normal end, process.exit(), an uncaught error) Python and the
  // plugins stop, every buffer they lent JS is taken back, and the ledger is checked.
  process.on('exit', () => native.shutdown());
}

module.exports = promethean;
