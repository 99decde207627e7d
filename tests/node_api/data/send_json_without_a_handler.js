'use strict';
// sendJson to runtimes that have no message handler: each prints the JSON, the reply is null
// (test_send_json_hosted.js checks this process's stdout).
const promethean = require('promethean');

for (const rt of ['js', 'py', 'sh', 'meta']) console.log(rt, promethean.sendJson(rt, { n: [1, 2], rt }));
