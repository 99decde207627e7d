// Starts `promethean serve` for the serve tests and reads the URL line it prints; loads the test
// dependencies from npm (ws, playwright-core) through NODE_PATH, where the ctest fixture put them.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { once } from 'node:events';

export const require = createRequire(import.meta.url);
export const CLI = process.env.PROMETHEAN_CLI;
export const CLIENT = process.env.PROMETHEAN_CLIENT_MODULE;
export const SOURCE = process.env.PROMETHEAN_SOURCE_DIR;

/** Runs `promethean serve ...args`; resolves with {url, port, token, origin, process, stderr(),
 * stop()} once the URL line is printed. */
export async function startServer(args) {
  const child = spawn(CLI, ['serve', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  let stdout = '';
  const line = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve printed no URL in 60 s; stderr: ${stderr}`)), 60000);
    child.stdout.on('data', (d) => {
      stdout += d;
      const nl = stdout.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        resolve(stdout.slice(0, nl));
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code} before printing its URL; stderr: ${stderr}`));
    });
  });
  const m = /^ws:\/\/127\.0\.0\.1:(\d+)\/\?token=([0-9a-f]+)$/.exec(line);
  if (!m) throw new Error(`unexpected URL line: ${line}`);
  const port = Number(m[1]);
  return {
    url: line, port, token: m[2], origin: `http://127.0.0.1:${port}`, process: child,
    stderr: () => stderr,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null) return child.exitCode;
      child.kill(signal);
      const [code] = await once(child, 'exit');
      return code;
    },
  };
}

/** The WebSocket class of the `ws` package. */
export function wsClass() {
  return require('ws');
}

/** Resolves when `predicate()` is true, checking every 20 ms for at most `ms`. */
export async function eventually(predicate, ms = 5000) {
  const end = Date.now() + ms;
  for (;;) {
    if (await predicate()) return;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
