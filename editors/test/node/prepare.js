#!/usr/bin/env node
'use strict';
// Lays out the projects that the editor tests open, so that no test edits
// files under testdata/:
//   WORK/<client>/<fixture>/dags/<file>   a git repository per fixture, with
//                                         an empty [tool.airshift] table
//   WORK/expected/<fixture>/dags/<file>   the file after `airshift fix`
// The fix-all cases are laid out for the Node.js client only.
// Usage: prepare.js REPO WORK AIRSHIFT_BIN CLIENT...
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');

function makeProject(projectDir, source) {
  const dags = path.join(projectDir, 'dags');
  fs.mkdirSync(dags, { recursive: true });
  const target = path.join(dags, path.basename(source));
  fs.copyFileSync(source, target);
  // Airshift reads project settings from the nearest pyproject.toml with a
  // [tool.airshift] table, so an empty one keeps files above the project
  // from changing the results.
  fs.writeFileSync(path.join(projectDir, 'pyproject.toml'), '[tool.airshift]\n');
  // A repository root, as in a real checkout: eglot takes its project root
  // from version control.
  execFileSync('git', ['init', '-q', projectDir]);
  return target;
}

/** Runs `airshift fix` on one file; it exits 1 while calls are left to migrate. */
function fixFile(airshiftBin, projectDir, relative, cliArgs) {
  try {
    execFileSync(airshiftBin, ['fix', ...cliArgs, relative], { cwd: projectDir, stdio: 'pipe' });
  } catch (err) {
    if (err.status !== 1) {
      throw err;
    }
  }
}

function main() {
  const [repo, work, airshiftBin, ...clients] = process.argv.slice(2);
  if (!repo || !work || !airshiftBin || clients.length === 0) {
    throw new Error('usage: prepare.js REPO WORK AIRSHIFT_BIN CLIENT...');
  }
  const fixtures = JSON.parse(fs.readFileSync(path.join(repo, 'editors/test/fixtures.json'), 'utf8'));
  const projects = [
    ...fixtures.dags.map((dag) => ({ name: dag.name, source: dag.source })),
    { name: fixtures.custom.name, source: fixtures.custom.source },
    { name: 'work_pool', source: fixtures.dags.find((dag) => dag.name === fixtures.work_pool.fixture).source },
  ];
  for (const client of clients) {
    for (const project of projects) {
      makeProject(path.join(work, client, project.name), path.join(repo, project.source));
    }
  }

  if (clients.includes('node')) {
    for (const fixAll of fixtures.fix_all.cases) {
      makeProject(path.join(work, 'node', fixAll.name), path.join(repo, fixtures.fix_all.source));
    }
  }

  const expected = [
    ...fixtures.dags.filter((d) => d.same_as_cli_fix).map((d) => ({ name: d.name, source: d.source, cliArgs: [] })),
    ...fixtures.fix_all.cases.map((c) => ({ name: c.name, source: fixtures.fix_all.source, cliArgs: c.cli_args })),
  ];
  for (const item of expected) {
    const projectDir = path.join(work, 'expected', item.name);
    makeProject(projectDir, path.join(repo, item.source));
    const relative = path.join('dags', path.basename(item.source));
    fixFile(airshiftBin, projectDir, relative, item.cliArgs);
  }
}

main();
