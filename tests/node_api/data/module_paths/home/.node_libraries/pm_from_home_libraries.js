// A module only ~/.node_libraries leads to (test_module_paths.js, run with HOME here).
module.exports = { from: '~/.node_libraries' };
