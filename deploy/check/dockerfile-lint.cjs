// dockerfile-lint.cjs — lint a Dockerfile with npm dockerfile-utils (the validator behind
// the Docker language server): instruction syntax, flags, JSON (exec) forms, durations,
// ports, deprecated or misplaced instructions. Every diagnostic, warning or error, fails.
//
//   node deploy/check/dockerfile-lint.cjs Dockerfile NODE_MODULES
const fs = require("fs");
const path = require("path");

const [file, nm] = process.argv.slice(2);
const du = require(path.resolve(nm, "dockerfile-utils"));
const text = fs.readFileSync(file, "utf8");
// Every check the library has, at its strictest setting.
const error = du.ValidationSeverity.ERROR;
const settings = {
  deprecatedMaintainer: error,
  directiveCasing: error,
  emptyContinuationLine: error,
  instructionCasing: error,
  instructionCmdMultiple: error,
  instructionEntrypointMultiple: error,
  instructionHealthcheckMultiple: error,
  instructionJSONInSingleQuotes: error,
  instructionWorkdirRelative: error,
};
const diags = du.validate(text, settings);
for (const d of diags)
  console.log(`dockerfile-utils: ${file}:${d.range.start.line + 1}: ${d.message}`);
if (diags.length) process.exit(1);
console.log(`dockerfile-utils: ${file}: no problems`);
