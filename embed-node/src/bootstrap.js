'use strict';
// The JS half of the `js` runtime. Node runs this once, as an embedder's bootstrap, when the
// environment starts: `process` and a `require` of Node's built-in modules are in scope, and what
// the script returns is the bridge the C++ half calls (see js_engine.cpp and js_module.cpp). In the
// Node-hosted mode (js_adoption.cpp) it runs as a function of the same two, in the running node.

const Module = require('module');
const path = require('path');
const { pathToFileURL } = require('url');

/** An error raised in another runtime: `.runtime` ("py"), `.type` ("ZeroDivisionError"),
 * `.message`, and `.trace` (that runtime's own traceback). */
class ForeignError extends Error {
  constructor(runtime, type, message, trace) {
    super(message);
    this.name = 'ForeignError';
    this.runtime = runtime;
    this.type = type;
    // The other runtime's traceback: `trace`, and printed after this stack's frames, as that
    // runtime prints it (Node prints an uncaught error's stack; an enumerable string property
    // would be printed again, escaped). `jsStack` keeps the JS frames alone.
    const hidden = (value) => ({ value, enumerable: false, writable: true, configurable: true });
    Object.defineProperty(this, 'trace', hidden(trace));
    Object.defineProperty(this, 'jsStack', hidden(this.stack));
    if (trace) this.stack += `\n    [the ${runtime} traceback]\n` + String(trace).replace(/\n$/, '').replace(/^/gm, '    ');
  }
}

// A dynamic import() with Node's ES module loader behind it: code compiled by the CommonJS
// loader gets one, code compiled elsewhere does not.
function makeImporter() {
  const filename = path.join(process.cwd(), '[promethean-import].js');
  const m = new Module(filename, null);
  m.filename = filename;
  m.paths = Module._nodeModulePaths(process.cwd());
  m._compile('module.exports = (specifier) => import(specifier);', filename);
  return m.exports;
}
let importer = null;
let loadRequire = null;

/** Runs a file as a module: CommonJS through require, ES modules (.mjs, or "type": "module")
 * through import(). Returns the exports, or a Promise of the module namespace. */
function loadFile(file) {
  const absolute = path.resolve(file);
  const esm = () => {
    importer = importer || makeImporter();
    return importer(pathToFileURL(absolute).href);
  };
  if (absolute.endsWith('.mjs')) return esm();
  // One require for every load: an absolute path resolves alike from any module, and making a
  // require per load (a Module and its node_modules paths) cost a few microseconds each time.
  loadRequire = loadRequire || Module.createRequire(absolute);
  try {
    return loadRequire(absolute);
  } catch (e) {
    if (e && e.code === 'ERR_REQUIRE_ESM') return esm();
    throw e;
  }
}

/** Runs a script as `node file args…` would: process.argv, require.main, CommonJS or ESM by
 * Node's own rules. It starts from the event loop, so that an uncaught exception or an unhandled
 * rejection is reported and ends the process exactly as in Node. */
function runMain(file, args) {
  const absolute = path.resolve(file);
  process.argv = [process.execPath, absolute, ...args];
  setImmediate(() => Module.runMain(absolute));
}

/** Builds the `promethean` module around the native functions; returns ForeignError for C++.
 * `hosted`: this is the user's own node, whose process is left as it is. */
function install(natives, mainScript, hosted) {
  if (!hosted) {
    // child_process.fork() and worker-like tools start `process.execPath`: that must be the node
    // of this libnode (Debian's /usr/bin/node), not the host binary (which would not understand
    // node's command line).
    process.execPath = path.join(process.config.variables.node_prefix || '/usr', 'bin', 'node');
    process.argv[0] = process.execPath;
    // Node derived its global module folders from the executable's prefix when it started
    // (Module._initPaths: <prefix>/lib/node, or the folders of Debian's node_relative_path,
    // lib/<triplet>/nodejs and share/nodejs), with the host binary's prefix. Derived again from
    // node's, `require` finds what `node` finds: Debian's node-* packages, then NODE_PATH,
    // ~/.node_modules and ~/.node_libraries as before.
    Module._initPaths();
  }
  const promethean = Object.freeze({
    eval: natives.eval,
    call: natives.call,
    // A Promise at once; the other runtime works meanwhile, and this loop goes on (a Python
    // coroutine runs on an asyncio loop, a blocking call on a worker thread of the host).
    callAsync: natives.callAsync,
    evalAsync: natives.evalAsync,
    // The same with a time limit in seconds first: past it, what runs is stopped (JS terminated,
    // Python interrupted) and the call throws a ForeignError whose type is "Timeout".
    evalWithTimeout: natives.evalWithTimeout,
    callWithTimeout: natives.callWithTimeout,
    export: natives.export,
    load: natives.load,
    sendJson: natives.sendJson,
    onMessage: natives.onMessage,
    alloc: natives.alloc,
    registerBufferType: natives.registerBufferType,
    bufferInfo: natives.bufferInfo,
    registerView: natives.registerView,
    view: natives.view,
    runtimes: natives.runtimes,
    // Keyword arguments, as a call's last argument: call('py', 'numpy.zeros', 3, kw({dtype: 'uint8'})).
    kw: natives.kw,
    ForeignError,
  });
  Object.defineProperty(globalThis, 'promethean', { value: promethean, configurable: true, writable: false });
  // require('promethean') from any CommonJS module. (ES modules: globalThis.promethean, or
  // createRequire(import.meta.url)('promethean').)
  const load = Module._load;
  Module._load = function loadWithPromethean(request, parent, isMain) {
    if (request === 'promethean') return promethean;
    return load.call(this, request, parent, isMain);
  };
  // Code the host evaluates gets a `require` resolving from the folder of the program's main
  // script (`promethean run app.py`, the python3 script that imported promethean), whatever the
  // working directory, as a require inside that script would; with no script (a REPL, a
  // notebook), from the current directory, as in the Node REPL. A script's own modules keep
  // their own require.
  if (globalThis.require === undefined) {
    const base = mainScript ? path.dirname(path.resolve(mainScript)) : process.cwd();
    Object.defineProperty(globalThis, 'require', {
      value: Module.createRequire(path.join(base, '[promethean-eval]')),
      configurable: true,
      writable: true,
    });
  }
  return ForeignError;
}

/** Node's own record of pending work, which the C++ half reads after each call from the host
 * (js_host_call.hpp): a call that left no process.nextTick callback and no rejection to report
 * needs only a microtask checkpoint, not a whole node::CallbackScope. These are Node 18's
 * internal bindings (`internalBinding` reached through internal/test/binding, whose load warns,
 * hence the muted warning); null where they are not found, and the host then always uses
 * Node's scope. */
function queueState() {
  const emitWarning = process.emitWarning;
  process.emitWarning = () => {};
  try {
    const { internalBinding } = require('internal/test/binding');
    const { tickInfo } = internalBinding('task_queue');
    const asyncWrap = internalBinding('async_wrap');
    const stackLength = asyncWrap.constants && asyncWrap.constants.kStackLength;
    if (!(tickInfo instanceof Uint8Array) || tickInfo.length < 2 ||
        !(asyncWrap.async_hook_fields instanceof Uint32Array) || typeof stackLength !== 'number' ||
        stackLength >= asyncWrap.async_hook_fields.length) {
      return null;
    }
    return { tickInfo, asyncHookFields: asyncWrap.async_hook_fields, stackLength };
  } catch {
    return null;
  } finally {
    process.emitWarning = emitWarning;
  }
}

return { install, loadFile, runMain, queueState: queueState() };
