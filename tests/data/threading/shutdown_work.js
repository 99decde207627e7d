// Issue 7, scenario 7, the JS side of the work left in flight at shutdown (shutdown_in_flight.sib
// and tests/threading/test_shutdown.cpp load it): pending timers, a Promise nothing settles, an
// async function whose Promise only a 60 s timer settles, and buffers JS keeps.
const promethean = require('promethean');

const jsMade = new Float32Array(4096).fill(1.5);             // JS's own memory
const hostMade = promethean.alloc([1024], 'float64');         // a host buffer, as a TypedArray
const kept = [jsMade, hostMade];
let ticks = 0;
setInterval(() => { ticks++; }, 5);
setTimeout(() => { console.log('a 60 s timer fired'); }, 60000);
globalThis.shutdownNever = new Promise(() => {});

module.exports = {
  made: () => jsMade,
  keep: (b) => kept.push(b),
  later: () => new Promise((resolve) => setTimeout(() => resolve(1), 60000)),
  sum: (a) => {
    let s = 0;
    for (let i = 0; i < a.length; i++) s += Number(a[i]);
    return s;
  },
};
