'use strict';
// Shutdown with work in flight (test_hosted_process.js runs it many times): Python threads and a
// Rust plugin's threads call JS and Python, JS awaits Python, and the program exits mid-way.
const promethean = require('promethean');

promethean.load('rust', process.env.PM_TESTKIT_PLUGIN);
promethean.export('jsDouble', (x) => 2 * x);
promethean.eval('py', `import threading, promethean
stop = False
def caller():
    n = 0
    while not stop:
        try:
            n += promethean.call("js", "jsDouble", 1)
        except Exception:
            return
for _ in range(3):
    threading.Thread(target=caller, daemon=True).start()
def fan():
    try:
        promethean.call("rust", "testkit.fan_out", 2)
    except Exception:
        pass
threading.Thread(target=fan, daemon=True).start()`);
(async () => {
  for (let i = 0; i < 5; i++) await promethean.callAsync('py', 'len', [1, 2, 3]);
  const a = new Float64Array(1024);
  promethean.call('py', 'len', a);
  setTimeout(() => { console.log('exiting'); process.exit(0); }, Number(process.argv[2] || 30));
})();
