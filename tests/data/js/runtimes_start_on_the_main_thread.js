// Run by `promethean run`: the script's top level runs on the process's main thread (the thread
// whose id is the pid), so a runtime it starts starts there, as under `node` or `python3`.
const promethean = require('promethean');
const pythonThread = promethean.eval('py', "__import__('threading').get_native_id()");
console.log(pythonThread === process.pid ? 'main thread' : `thread ${pythonThread}, not the main thread ${process.pid}`);
