// Four Python threads call a JS function 10,000 times each while a JS timer keeps ticking on the
// host thread, which runs this script and its event loop. Nothing in the loop calls out of JS, so
// the threads get the isolate only because the loop gives it up while it waits.
const promethean = require('promethean');
let ticks = 0;
const timer = setInterval(() => { ticks++; }, 1);
const results = [];
globalThis.inc = (x) => x + 1;
globalThis.done = (total) => { results.push(total); return results.length; };
promethean.eval('py', `
import threading, promethean
def work():
    total = 0
    for k in range(10000):
        total += promethean.call('js', 'inc', k)
    promethean.call('js', 'done', total)
for i in range(4):
    threading.Thread(target=work).start()
`);
const started = Date.now();
const ticksAtStart = ticks;
const check = setInterval(() => {
  if (results.length < 4) {
    if (Date.now() - started > 60000) {
      console.error(`still running after 60 s: ${results.length} of 4 threads done, ${ticks} ticks`);
      process.exit(2);
    }
    return;
  }
  clearInterval(check);
  clearInterval(timer);
  const seconds = (Date.now() - started) / 1000;
  const ticked = ticks - ticksAtStart;
  console.log(JSON.stringify(results));
  console.log(ticked >= Math.min(10, seconds * 100) ? 'the timer kept firing' : `the timer starved: ${ticked} ticks in ${seconds} s`);
  console.error(`40000 calls from 4 Python threads in ${seconds} s, ${ticked} timer ticks meanwhile`);
}, 5);
