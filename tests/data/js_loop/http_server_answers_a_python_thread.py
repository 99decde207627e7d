# A node:http server started from Python answers requests made from a Python thread while the
# Python main thread sleeps, then while it computes: nothing else calls into JS meanwhile.
import json
import threading
import time
import urllib.request

import promethean

port = promethean.eval("js", """
const http = require('node:http');
globalThis.served = 0;
globalThis.server = http.createServer((req, res) => {
  served++;
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ path: req.url, served }));
});
// Not awaited: the socket is bound at once (no host name to look up), and the loop thread is
// woken to watch it.
server.listen(0);
server.address().port;
""")

def fetch(path, out):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as r:
        out.append(json.loads(r.read()))

replies = []
asker = threading.Thread(target=fetch, args=("/while-sleeping", replies))
asker.start()
time.sleep(1.0)  # the request is served meanwhile, not when the main thread comes back to JS
print(json.dumps(replies))
asker.join()

replies = []
asker = threading.Thread(target=fetch, args=("/while-computing", replies))
asker.start()
deadline = time.monotonic() + 10
while asker.is_alive() and time.monotonic() < deadline:  # pure Python, holding the GIL mostly
    sum(range(1000))
print(json.dumps(replies))
asker.join()
promethean.eval("js", "server.close(); 0")
