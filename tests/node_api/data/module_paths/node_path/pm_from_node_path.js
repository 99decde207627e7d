// A module only NODE_PATH leads to (test_module_paths.js).
module.exports = { from: 'NODE_PATH' };
