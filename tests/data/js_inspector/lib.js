'use strict';
// Loaded and called from app.py by tests/cli/test_js_inspector.py, which stops in scale().
function scale(x) {
  const factor = 10;
  const scaled = x * factor; // breakpoint: scale
  return scaled;
}

module.exports = { scale };
