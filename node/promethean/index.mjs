// `import promethean from 'promethean'`, or named imports, in your own node's ES modules: the same
// module as require('promethean') (index.js).
import { createRequire } from 'module';

const require = createRequire(import.meta.url);
const promethean = require('./index.js');

export default promethean;
const evaluate = promethean.eval;
const exportFunction = promethean.export;
export { evaluate as eval, exportFunction as export };
export const {
  call, callAsync, evalAsync, evalWithTimeout, callWithTimeout, load, sendJson, onMessage, alloc,
  registerBufferType, bufferInfo, registerView, view, runtimes, kw, ForeignError,
} = promethean;
