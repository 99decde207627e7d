'use strict';
// Checks node/promethean/index.d.ts against the `promethean` module this process has (the host's
// built-in one inside `promethean run`, the npm package's in a plain node), so that the types cannot
// drift from the API: the values index.d.ts exports, the members of its default export, the keys
// of require('promethean') and the named exports of `import('promethean')` are the same names,
// and each is a function where the types declare one. TypeScript's own compiler reads the file
// (Debian's node-typescript, which `require` finds in Node's global folders in both modes).
//   promethean run tests/node_api/check_types.js      node tests/node_api/check_types.js

const assert = require('node:assert/strict');
const path = require('node:path');
const ts = require('typescript');

const promethean = require('promethean');

const DTS = path.join(__dirname, '..', '..', 'node', 'promethean', 'index.d.ts');

/** What index.d.ts declares: {values: Map(name -> 'function' | 'class' | other kind), members}. */
function declared() {
  const program = ts.createProgram([DTS], { strict: true, noEmit: true, types: [], target: ts.ScriptTarget.ES2022 });
  const problems = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  assert.deepEqual(problems, [], 'index.d.ts compiles on its own');
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(DTS);
  const values = new Map();
  let members = null;
  for (const exported of checker.getExportsOfModule(checker.getSymbolAtLocation(source))) {
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    if (!(symbol.flags & ts.SymbolFlags.Value)) continue;  // a type only (BufferInfo, Value, …)
    if (exported.name === 'default') {
      members = checker.getPropertiesOfType(checker.getTypeOfSymbolAtLocation(symbol, source)).map((s) => s.name);
    } else {
      const kind = symbol.flags & ts.SymbolFlags.Class ? 'class' : symbol.flags & ts.SymbolFlags.Function ? 'function' : 'other';
      values.set(exported.name, kind);
    }
  }
  assert.ok(members, 'index.d.ts has a default export');
  return { values, members };
}

async function main() {
  const { values, members } = declared();
  const names = [...values.keys()].sort();
  assert.deepEqual([...members].sort(), names, 'the default export has the members the module exports by name');
  assert.deepEqual(Object.keys(promethean).sort(), names, "require('promethean') has what index.d.ts declares");
  const esm = await import('promethean');
  assert.equal(esm.default, promethean);
  assert.deepEqual(Object.keys(esm).filter((n) => n !== 'default').sort(), names, "import('promethean') too");
  for (const [name, kind] of values) {
    if (kind === 'function' || kind === 'class') assert.equal(typeof promethean[name], 'function', `${name} is a ${kind}`);
    else assert.fail(`${name}: index.d.ts declares it neither a function nor a class`);
  }
  console.log(`check_types: ${names.length} names agree (index.d.ts, require, import)`);
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
