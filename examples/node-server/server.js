'use strict';
// A node:http server whose handler passes each request's body to numpy and to a Rust plugin
// without a copy, and answers JSON: the Node-hosted mode under load (docs/NODE.md). The body is a
// grey image's bytes; numpy gives their mean and standard deviation, the Rust plugin imageops
// their histogram. `--plain` does the same work in plain JS, for comparison (load.js runs both).
//   node server.js [--plain] [PORT]      (prints "listening PORT" once it listens on 127.0.0.1)
// GET /rss answers the server's resident memory in bytes.

const http = require('node:http');

const plain = process.argv.includes('--plain');
const port = Number(process.argv.filter((a) => /^\d+$/.test(a))[0] || 0);

let stats;
if (plain) {
  stats = (pixels) => {
    let sum = 0;
    let squares = 0;
    const histogram = new Array(256).fill(0);
    for (const p of pixels) { sum += p; squares += p * p; histogram[p]++; }
    const mean = sum / pixels.length;
    return { mean, std: Math.sqrt(squares / pixels.length - mean * mean), histogram };
  };
} else {
  const promethean = require('promethean');
  promethean.eval('py', `import numpy as np
def moments(pixels):
    return [float(pixels.mean()), float(pixels.std())]`);
  promethean.load('rust', 'imageops');
  stats = (pixels) => {
    const [mean, std] = promethean.call('py', 'moments', pixels);  // numpy reads the body in place
    const histogram = promethean.call('rust', 'imageops.histogram', pixels);  // and so does Rust
    return { mean, std, histogram };
  };
}

const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/rss') {
    res.end(JSON.stringify({ rss: process.memoryUsage().rss }));
    return;
  }
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);  // a Node Buffer: a Uint8Array
    if (body.length === 0) {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'POST the pixels as the body' }));
      return;
    }
    const s = stats(body);
    let peak = 0;
    for (let v = 1; v < 256; v++) if (s.histogram[v] > s.histogram[peak]) peak = v;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ n: body.length, mean: s.mean, std: s.std, peak, mode: plain ? 'js' : 'py+rust' }));
  });
});
server.listen(port, '127.0.0.1', () => console.log(`listening ${server.address().port}`));
