'use strict';
// Debugged by tests/cli/test_js_inspector.py: the markers name the lines it expects to stop at.
function sumOfSquares(values) {
  let total = 0;
  for (const v of values) total += v * v;
  const doubled = total * 2; // breakpoint: sumOfSquares
  return doubled / 2;
}

const answer = sumOfSquares([1, 2, 3, 4]); // first statement
console.log(`sum of squares: ${answer}`);
