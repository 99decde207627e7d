// An ES module: run by the CLI tests, loaded by the js tests.
export function triple(x) {
  return 3 * x;
}
export const kind = 'esm';
if (process.argv[1] && process.argv[1].endsWith('module.mjs')) {
  console.log('esm main', process.argv.slice(2).join(' '), typeof import.meta.url);
  process.exitCode = 2;
}
