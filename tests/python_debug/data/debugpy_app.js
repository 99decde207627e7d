// JS starts debugpy in the embedded Python, then calls a Python function the debugger stops in.
const promethean = require('promethean');
const port = Number(process.argv[2]);
promethean.eval('py', `import debugpy; debugpy.listen(("127.0.0.1", ${port})); debugpy.wait_for_client()`);
promethean.load('py', __dirname + '/debugpy_helper.py');
console.log('from python:', JSON.stringify(promethean.call('py', 'debugpy_helper.double', 21)));
