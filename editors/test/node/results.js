'use strict';
// Results file shared by the editor tests: every client writes one JSON file
// of this shape, and report.js prints them.
//   { client, version, checks: [{ name, status, detail, ms }], error? }
// where status is "ok" or "failed".
const fs = require('fs');

class CheckFailed extends Error {}

/** Throws CheckFailed with message unless condition holds. */
function expect(condition, message) {
  if (!condition) {
    throw new CheckFailed(message);
  }
}

class Results {
  constructor(client, version, outputPath) {
    this.data = { client, version, checks: [] };
    this.outputPath = outputPath;
  }

  /**
   * Runs body as one check and records its status, the detail it returns
   * (or the reason it failed) and how long it took. Returns body's detail,
   * or undefined when the check failed.
   */
  async check(name, body) {
    const start = process.hrtime.bigint();
    let status = 'ok';
    let detail;
    try {
      detail = await body();
    } catch (err) {
      status = 'failed';
      detail = err instanceof CheckFailed ? err.message : String(err && err.stack ? err.stack : err);
    }
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    this.data.checks.push({ name, status, detail: detail === undefined ? '' : String(detail), ms: Math.round(ms * 10) / 10 });
    this.write();
    return status === 'ok' ? detail : undefined;
  }

  fail(error) {
    this.data.error = String(error && error.stack ? error.stack : error);
    this.write();
  }

  write() {
    fs.writeFileSync(this.outputPath, JSON.stringify(this.data, null, 2) + '\n');
  }
}

module.exports = { Results, expect, CheckFailed };
