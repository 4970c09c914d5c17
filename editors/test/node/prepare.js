#!/usr/bin/env node
'use strict';
// Lays out the projects that the editor tests open, so that no test edits
// files under testdata/:
//   WORK/<client>/<fixture>/dags/<file>   a git repository per fixture
//   WORK/expected/<fixture>/dags/<file>   the file after `airshift fix`
// Usage: prepare.js REPO WORK AIRSHIFT_BIN CLIENT...
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');

function makeProject(projectDir, source) {
  const dags = path.join(projectDir, 'dags');
  fs.mkdirSync(dags, { recursive: true });
  const target = path.join(dags, path.basename(source));
  fs.copyFileSync(source, target);
  // A repository root, as in a real checkout: eglot takes its project root
  // from version control.
  execFileSync('git', ['init', '-q', projectDir]);
  return target;
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

  for (const dag of fixtures.dags.filter((d) => d.same_as_cli_fix)) {
    const projectDir = path.join(work, 'expected', dag.name);
    makeProject(projectDir, path.join(repo, dag.source));
    const relative = path.join('dags', path.basename(dag.source));
    // airshift fix exits 0 once every call it found is rewritten.
    execFileSync(airshiftBin, ['fix', relative], { cwd: projectDir, stdio: 'pipe' });
  }
}

main();
