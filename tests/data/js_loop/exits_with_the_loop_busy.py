# The script ends with an interval and a listening server in JS: the host still exits at once
# (the loop thread's interest does not hold it), and JS's 'exit' listeners run.
import promethean

promethean.eval("js", """
setInterval(() => {}, 10);
const server = require('node:http').createServer(() => {});
new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
""")
promethean.eval("js", "process.on('exit', (code) => console.log(`js exit ${code}`)); 0")
print("python done", flush=True)
