// Promethean from TypeScript, typed by the package's index.d.ts. Check it with Debian's compiler
// (examples/tsconfig.json says how: strict, Node's module rules, Debian's @types/node):
//   tsc -p examples --noEmit
// and run what tsc makes of it (tsc -p examples --outDir OUT) with  promethean run OUT/hello.js,
// or with node where the npm package is installed.
import promethean, { ForeignError, type BufferInfo, type RuntimeName } from 'promethean';

const versions = Object.entries(promethean.runtimes()).map(([name, info]) => `${name} ${String(info.version)}`);
console.log('runtimes:', versions.join(', '));

// A numpy array made in Python arrives as a Float64Array over the same memory: written here,
// read there.
promethean.eval('py', 'import numpy as np\nsamples = np.linspace(0.0, 1.0, 5)');
const samples: unknown = promethean.eval('py', 'samples');
if (!(samples instanceof Float64Array)) throw new TypeError('expected a Float64Array from numpy');
samples[0] = 42;
console.log(`${samples.length} samples from Python; JS wrote 42, Python reads`, promethean.eval('py', 'float(samples[0])'));

// A typed JS function, exported by name, called from Python with a numpy array.
promethean.export('total', (values: Float32Array): number => values.reduce((a, b) => a + b, 0));
console.log('Python calls JS:', promethean.eval('py', "__import__('promethean').call('js', 'total', np.arange(1, 5, dtype=np.float32))"));

// Errors from other runtimes are ForeignError, with the runtime, its name for the error and its trace.
function failing(runtime: RuntimeName, code: string): string {
  try {
    promethean.eval(runtime, code);
    return 'no error';
  } catch (e) {
    if (!(e instanceof ForeignError)) throw e;
    return `${e.runtime} ${e.type}: ${e.message}`;
  }
}
console.log('py failed as expected:', failing('py', 'int("not a number")'));

// A typed host buffer, filled here, summed by numpy; bufferInfo says where its bytes are.
promethean.registerBufferType('Gray', { layout: ['height', 'width'], format: 'uint8' });
const gray = promethean.alloc([2, 3], null, 'Gray');
if (!(gray instanceof Uint8Array)) throw new TypeError('expected a Uint8Array');
gray.fill(2);
const info: BufferInfo = promethean.bufferInfo(gray);
const sum: unknown = promethean.call('py', 'int', promethean.call('py', 'numpy.sum', gray));
console.log(`${info.type} ${info.format} [${info.shape.join(', ')}] of ${info.nbytes} bytes owned by ${info.language}, sum ${String(sum)}`);

// Keyword arguments for Python, and a Promise of a call that does not block this loop.
const sorted: unknown = promethean.call('py', 'sorted', [3, 1, 2], promethean.kw({ reverse: true }));
async function main(): Promise<void> {
  const doubled: unknown = await promethean.evalAsync('py', '__import__("asyncio").sleep(0.01, result=[2, 4])');
  console.log('sorted by Python:', sorted, '; awaited from Python:', doubled);
}
main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
