'use strict';
// How a plain node with promethean ends (test_hosted_process.js runs it): argv[2] says how; every
// owner's buffers are held when it does (numpy's seen by JS, JS's seen by Python, the host's).
const promethean = require('promethean');

const how = process.argv[2];
promethean.eval('py', 'import numpy as np\nfrom_py = np.arange(1000, dtype=np.float64)\nkept = []');
promethean.eval('py', 'def keep(a):\n    kept.append(a)\n    return len(kept)');
globalThis.fromPy = promethean.eval('py', 'from_py');
globalThis.fromJs = new Uint8Array(1 << 16);
promethean.call('py', 'keep', globalThis.fromJs);
globalThis.fromHost = promethean.alloc([64], 'uint8');
promethean.call('py', 'keep', globalThis.fromHost);
setInterval(() => {}, 1000).unref();  // a timer left pending

function atexit() {
  promethean.eval('py', 'import atexit\natexit.register(lambda: print("python ended", flush=True))');
}

switch (how) {
  case 'normal':
    console.log('end of script');
    break;
  case 'exit-code':
    process.exit(7);
  case 'exit-code-later':
    setTimeout(() => process.exit(9), 20);
    break;
  case 'uncaught-js':
    setTimeout(() => { throw new Error('thrown from a timer'); }, 10);
    break;
  case 'uncaught-python':
    promethean.eval('py', 'def fails(x):\n    raise ValueError(f"python failed with {x}")');
    setTimeout(() => promethean.call('py', 'fails', 3), 10);
    break;
  case 'python-threads':
    // A non-daemon Python thread still working at the end: Python waits for it, as python3 would.
    promethean.eval('py', `import threading, time, promethean
def late():
    time.sleep(0.3)
    print("python thread done", flush=True)
threading.Thread(target=late).start()`);
    console.log('end of script');
    break;
  // Signals (the test sends them once 'waiting' is out): Python's atexit handler says it ran.
  case 'sigint':  // node waits in its loop
  case 'sigterm':
    atexit();
    console.log('waiting');
    setInterval(() => {}, 1000);
    break;
  case 'sigint-busy':  // a runaway loop that never returns to the loop
    atexit();
    console.log('waiting');
    for (;;) globalThis.spins = (globalThis.spins || 0) + 1;
  case 'sigint-in-python':  // the main thread inside a Python call: the stop comes once it returns
    atexit();
    promethean.eval('py', 'import time\ndef nap(s):\n    print("waiting", flush=True)\n    time.sleep(s)\n    print("nap over", flush=True)\n    return s');
    promethean.call('py', 'nap', 1.5);
    console.log('after the call');  // the stop comes at the next check for interrupts: here or a statement later
    for (;;) globalThis.spins = (globalThis.spins || 0) + 1;
  case 'sigint-twice':  // a second Ctrl-C while the stop waits: node's way at once
    atexit();
    promethean.eval('py', 'import time\ndef nap(s):\n    print("waiting", flush=True)\n    time.sleep(s)\n    return s');
    promethean.call('py', 'nap', 60);
    break;
  case 'sigint-listened':  // the program's own listener, added after require: the signal is its
    atexit();
    process.on('SIGINT', () => { console.log('the program heard it'); process.exit(3); });
    console.log('waiting');
    setInterval(() => {}, 1000);
    break;
  default:
    throw new Error(`unknown way to end: ${how}`);
}
