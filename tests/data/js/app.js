// Run by the CLI tests as `promethean run app.js ARGS…`: behaves as under `node app.js ARGS…`.
const { greet } = require('local-greeter');  // from node_modules beside this script
const promethean = require('promethean');
const mode = process.argv[2];
if (mode === 'argv') {
  console.log(JSON.stringify(process.argv.slice(2)), require.main === module);
} else if (mode === 'exit') {
  process.exit(Number(process.argv[3]));
} else if (mode === 'exitCode') {
  setTimeout(() => { process.exitCode = 5; console.log('timer'); }, 10);
} else if (mode === 'throw') {
  throw new RangeError('thrown at top level');
} else if (mode === 'reject') {
  Promise.reject(new Error('rejected and never handled'));
} else if (mode === 'greet') {
  console.log(greet('node_modules'));
} else if (mode === 'py') {
  console.log(promethean.eval('py', '2 ** 10'));
}
