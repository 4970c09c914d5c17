#!/usr/bin/env node
'use strict';
// Prints the results of the editor tests and a closing count.
// Usage: report.js WORK CLIENT...
// For each CLIENT, run-all.sh leaves in WORK: CLIENT.json (the checks),
// CLIENT.run ("EXIT_CODE WALL_MS") and CLIENT.log (its output).
// Exits 1 when a client failed a check, exited non-zero or wrote no results.
const fs = require('fs');
const path = require('path');

function formatMs(ms) {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`;
}

function tail(file, lines) {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return `(no log at ${file})`;
  }
}

let passed = 0;
let failed = 0;

const [work, ...clients] = process.argv.slice(2);
for (const client of clients) {
  const resultFile = path.join(work, `${client}.json`);
  const logFile = path.join(work, `${client}.log`);
  const [exitCode, wallMs] = fs.readFileSync(path.join(work, `${client}.run`), 'utf8').trim().split(/\s+/);
  let data;
  try {
    data = JSON.parse(fs.readFileSync(resultFile, 'utf8'));
  } catch (err) {
    data = { client: resultFile, version: '', checks: [], error: `results file not readable: ${err.message}` };
  }
  console.log(`\n${data.client} (${data.version}): ${formatMs(Number(wallMs))}, exit code ${exitCode}`);
  for (const check of data.checks) {
    const mark = check.status === 'ok' ? 'ok    ' : 'FAILED';
    console.log(`  ${mark} ${check.name}: ${check.detail} [${formatMs(check.ms)}]`);
    if (check.status === 'ok') {
      passed++;
    } else {
      failed++;
    }
  }
  const clientFailed = data.error !== undefined || Number(exitCode) !== 0;
  if (clientFailed) {
    // A crash or time-out counts as one more failure on top of the checks.
    failed++;
    if (data.error) {
      console.log(`  FAILED ${data.error}`);
    }
    if (Number(exitCode) === 124) {
      console.log('  FAILED the client was stopped by its time limit');
    }
    console.log(`  last lines of ${logFile}:\n${tail(logFile, 20).replace(/^/gm, '    ')}`);
  }
}

console.log('');
console.log(`editor tests: ${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
