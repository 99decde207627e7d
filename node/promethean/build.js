'use strict';
// npm's install script (package.json): builds the addon, libpromethean, its runtime modules, the worker
// of runtimes in processes of their own (py@1) and the
// example plugins with the project's CMake, in build/npm of the package, in Release (the CLI and
// the Python package are not built: pip installs those). Needs the
// build dependencies (scripts/install-deps installs them on Debian 12). A second `npm install`
// rebuilds only what changed; ccache, when installed, is used.

const { spawnSync } = require('child_process');
const path = require('path');

const root = path.resolve(__dirname, '..', '..');
const build = path.join(root, 'build', 'npm');

function run(command, args) {
  process.stdout.write(`promethean: ${command} ${args.join(' ')}\n`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.error) {
    const hint = result.error.code === 'ENOENT'
      ? ` (${command} is not installed: on Debian 12, scripts/install-deps in the package installs every build dependency)`
      : '';
    throw new Error(`promethean: cannot run ${command}: ${result.error.message}${hint}`);
  }
  if (result.status !== 0) {
    throw new Error(`promethean: ${command} ${args.join(' ')} failed with exit status ${result.status}`);
  }
}

try {
  run('cmake', ['-S', root, '-B', build, '-G', 'Ninja', '-DCMAKE_BUILD_TYPE=Release',
                '-DPROMETHEAN_BUILD_TESTS=OFF', '-DPROMETHEAN_BUILD_BENCH=OFF']);
  run('cmake', ['--build', build, '--target', 'promethean_node_addon', 'promethean_worker', 'promethean_plugin_imageops',
                'promethean_plugin_pycall', 'promethean_plugin_cdemo']);
} catch (e) {
  process.stderr.write(`${e.message}\n`);
  process.exit(1);
}
