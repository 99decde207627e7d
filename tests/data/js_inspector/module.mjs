const message = 'an ES module, debugged'; // first line: tests/cli/test_js_inspector.py pauses here
console.log(message);
