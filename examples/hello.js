// Promethean from JavaScript: run it with  promethean run examples/hello.js
// JS asks Python for a numpy array, writes into it in place (no copy crosses), awaits a timer,
// and exports a function that Python then calls.
const promethean = require('promethean');

const versions = Object.entries(promethean.runtimes()).map(([name, info]) => `${name} ${info.version}`);
console.log('runtimes:', versions.join(', '));

// A numpy array made in Python arrives here as a Float64Array over the same memory.
promethean.eval('py', 'import numpy as np\nsamples = np.linspace(0.0, 1.0, 5)');
const samples = promethean.eval('py', 'samples');
console.log(`${samples.constructor.name} of ${samples.length} from Python:`, Array.from(samples).join(' '));
samples[0] = 42; // written here...
console.log('Python sees the write:', promethean.eval('py', 'float(samples[0])')); // ...read there

// Errors from other runtimes are promethean.ForeignError, with the other runtime's trace.
try {
  promethean.eval('py', 'int("not a number")');
} catch (e) {
  console.log(`py failed as expected: ${e.runtime} ${e.type}: ${e.message}`);
}

// A JS function, exported by name, called from Python with a numpy array (it arrives as a
// Float32Array over the numpy memory).
promethean.export('total', (values) => values.reduce((a, b) => a + b, 0));
console.log('Python calls JS:', promethean.eval('py',
  "__import__('promethean').call('js', 'total', np.arange(1, 5, dtype=np.float32))"));

// A buffer allocated by the host, filled here and summed by numpy: the same memory throughout.
const ones = promethean.alloc([2, 3], 'float32').fill(1);
console.log('numpy.sum of a host buffer filled in JS:', promethean.call('py', 'numpy.sum', ones));

// Timers and Promises run as in Node.
setTimeout(() => console.log('a timer fired; the event loop ran to completion'), 10);
