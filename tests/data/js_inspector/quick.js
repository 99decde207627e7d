'use strict';
// Run with --inspect and no debugger by tests/cli/test_js_inspector.py: nothing waits for one.
console.log('ran without a debugger');
