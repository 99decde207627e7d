'use strict';
// Drives server.js with autocannon (from npm) on 127.0.0.1, once with numpy and Rust behind the
// handler and once in plain JS: requests per second and latency percentiles for each, and the
// Python/Rust server's resident memory before and after 100,000 requests. Prints a Markdown table;
// exits non-zero when a request failed, an answer was wrong, or the memory grew (not flat).
//   node load.js [SECONDS] [REQUESTS_FOR_MEMORY]       (autocannon must be resolvable: npm install autocannon)

const { spawn } = require('node:child_process');
const path = require('node:path');
const autocannon = require('autocannon');

const seconds = Number(process.argv[2] || 10);
const memoryRequests = Number(process.argv[3] || 100000);
const SIZE = 64 * 1024;
const body = Buffer.alloc(SIZE);
for (let i = 0; i < SIZE; i++) body[i] = (i * 7) % 251;

function start(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(__dirname, 'server.js'), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    child.stdout.on('data', (d) => {
      const m = /listening (\d+)/.exec(String(d));
      if (m) resolve({ child, url: `http://127.0.0.1:${m[1]}` });
    });
    child.on('exit', (code) => reject(new Error(`server ${args.join(' ')} exited with ${code}`)));
  });
}

const get = (url) => fetch(url).then((r) => r.json());

function cannon(url, options) {
  return new Promise((resolve, reject) => {
    autocannon({ url, method: 'POST', body, connections: 10, ...options }, (err, result) => (err ? reject(err) : resolve(result)));
  });
}

async function measure(args) {
  const { child, url } = await start(args);
  try {
    const answer = await fetch(url, { method: 'POST', body }).then((r) => r.json());
    await cannon(url, { amount: 1000 });  // warm up
    const rssBefore = (await get(`${url}/rss`)).rss;
    const timed = await cannon(url, { duration: seconds });
    let rssAfter = rssBefore;
    if (memoryRequests > 0) {
      const more = await cannon(url, { amount: memoryRequests });
      if (more.errors || more.non2xx) throw new Error(`${args}: ${more.errors} errors, ${more.non2xx} non-2xx in ${memoryRequests} requests`);
      rssAfter = (await get(`${url}/rss`)).rss;
    }
    if (timed.errors || timed.non2xx || timed.timeouts) {
      throw new Error(`${args}: ${timed.errors} errors, ${timed.non2xx} non-2xx, ${timed.timeouts} timeouts`);
    }
    return { answer, timed, rssBefore, rssAfter };
  } finally {
    child.kill('SIGTERM');
  }
}

(async () => {
  const hosted = await measure([]);
  const plainJs = await measure(['--plain']);
  const { answer: a } = hosted;
  const { answer: b } = plainJs;
  if (a.n !== SIZE || Math.abs(a.mean - b.mean) > 1e-9 || Math.abs(a.std - b.std) > 1e-6 || a.peak !== b.peak) {
    throw new Error(`the two servers disagree: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
  }
  const mib = (x) => (x / 1048576).toFixed(1);
  const row = (name, r) => `| ${name} | ${Math.round(r.timed.requests.average)} | ${r.timed.latency.p50} | ${r.timed.latency.p99} | ${mib(r.rssBefore)} → ${mib(r.rssAfter)} MiB |`;
  console.log(`${SIZE / 1024} KiB body, 10 connections, ${seconds} s each; memory over ${memoryRequests} more requests`);
  console.log('| handler | requests/s | latency p50 (ms) | latency p99 (ms) | resident memory |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  console.log(row('numpy + Rust plugin (promethean)', hosted));
  console.log(row('plain JS', plainJs));
  const grown = hosted.rssAfter - hosted.rssBefore;
  if (memoryRequests > 0 && grown > 32 * 1048576) {
    throw new Error(`resident memory grew ${mib(grown)} MiB over ${memoryRequests} requests: not flat`);
  }
})().catch((e) => {
  console.error(`load: ${e.message}`);
  process.exit(1);
});
