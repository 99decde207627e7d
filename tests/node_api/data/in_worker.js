'use strict';
// require('promethean') inside a worker_threads Worker: a clear error, and the main thread goes on.
const { Worker } = require('worker_threads');

const w = new Worker("try { require('promethean'); console.log('loaded'); } catch (e) { console.log('refused: ' + e.message); }",
  { eval: true, env: process.env });
w.on('exit', () => {
  const promethean = require('promethean');
  console.log('main', promethean.eval('py', '6 * 7'));
});
