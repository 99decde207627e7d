// JS calls a Python function that stops in pdb.
const promethean = require('promethean');
promethean.load('py', __dirname + '/pdb_helper.py');
console.log('from python:', JSON.stringify(promethean.call('py', 'pdb_helper.double', 21)));
