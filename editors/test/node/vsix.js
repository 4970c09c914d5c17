#!/usr/bin/env node
'use strict';
// Builds the VS Code extension package with `make vsix` and checks what is
// inside it: the bundled extension, the server binary with its executable
// bit, and settings that match the ones the server reads.
// It also runs the extension's server lookup, compiled on its own, against
// fake installs. Environment: AIRSHIFT_REPO, AIRSHIFT_WORK (a scratch
// folder), AIRSHIFT_RESULT.
const { execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const zlib = require('zlib');
const { Results, expect } = require('./results');

const repo = process.env.AIRSHIFT_REPO;
const vsixPath = path.join(repo, 'bin', 'airshift-linux-x64.vsix');

/**
 * Reads a zip file's central directory and returns its entries by name, with
 * the Unix mode and a function that inflates the data. A .vsix is a zip.
 */
function readZip(file) {
  const zip = fs.readFileSync(file);
  const endSignature = 0x06054b50;
  let end = zip.length - 22;
  while (end >= 0 && zip.readUInt32LE(end) !== endSignature) {
    end--;
  }
  if (end < 0) {
    throw new Error(`${file} is not a zip file: no end of central directory record`);
  }
  const count = zip.readUInt16LE(end + 10);
  let offset = zip.readUInt32LE(end + 16);
  const entries = new Map();
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(offset) !== 0x02014b50) {
      throw new Error(`${file}: invalid central directory entry ${i}`);
    }
    const method = zip.readUInt16LE(offset + 10);
    const compressedSize = zip.readUInt32LE(offset + 20);
    const nameLength = zip.readUInt16LE(offset + 28);
    const extraLength = zip.readUInt16LE(offset + 30);
    const commentLength = zip.readUInt16LE(offset + 32);
    const externalAttributes = zip.readUInt32LE(offset + 38);
    const localHeader = zip.readUInt32LE(offset + 42);
    const name = zip.toString('utf8', offset + 46, offset + 46 + nameLength);
    entries.set(name, {
      // Unix permission bits sit in the high 16 bits of the external attributes.
      mode: externalAttributes >>> 16,
      read() {
        const dataStart = localHeader + 30 + zip.readUInt16LE(localHeader + 26) + zip.readUInt16LE(localHeader + 28);
        const data = zip.subarray(dataStart, dataStart + compressedSize);
        return method === 0 ? data : zlib.inflateRawSync(data);
      },
    });
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/** Returns the JSON names of the fields of the server's settings struct. */
function serverSettingKeys() {
  const source = fs.readFileSync(path.join(repo, 'server', 'settings.go'), 'utf8');
  const struct = source.match(/type settings struct \{([\s\S]*?)\n\}/);
  if (!struct) {
    throw new Error('server/settings.go has no `type settings struct`; update this check to where the server decodes its settings');
  }
  return [...struct[1].matchAll(/json:"([^",]+)/g)].map((m) => m[1]).sort();
}

async function main() {
  const results = new Results('VS Code package', 'versions known after npm ci', process.env.AIRSHIFT_RESULT);
  results.write();
  let entries;
  let manifest;

  const built = await results.check('make vsix', async () => {
    fs.rmSync(vsixPath, { force: true });
    try {
      execFileSync('make', ['--no-print-directory', '-C', repo, 'vsix'], { stdio: ['ignore', 'inherit', 'inherit'] });
    } catch (err) {
      expect(false, `make vsix failed with exit code ${err.status}; its output is in the log`);
    }
    expect(fs.existsSync(vsixPath), `${vsixPath} was not written`);
    results.data.version = `vsce ${packageVersion('@vscode/vsce')}, vscode-languageclient ${packageVersion('vscode-languageclient')}`;
    return `${path.relative(repo, vsixPath)}, ${(fs.statSync(vsixPath).size / 1e6).toFixed(1)} MB`;
  });

  // The lookup check needs only the npm packages, so it runs even when the
  // server failed to build.
  await checkServerLookup(results);
  if (built === undefined) {
    process.exit(1);
  }

  await results.check('package contents', async () => {
    entries = readZip(vsixPath);
    for (const name of ['extension.vsixmanifest', 'extension/package.json', 'extension/dist/extension.js', 'extension/server/airshift']) {
      expect(entries.has(name), `${name} is missing; the package has ${[...entries.keys()].join(', ')}`);
    }
    const leaked = [...entries.keys()].filter((name) => name.includes('node_modules/') || name.startsWith('extension/src/'));
    expect(leaked.length === 0, `the package contains sources or node_modules: ${leaked.slice(0, 5).join(', ')}`);
    const target = entries.get('extension.vsixmanifest').read().toString('utf8').match(/TargetPlatform="([^"]+)"/);
    expect(target, 'extension.vsixmanifest has no TargetPlatform');
    expect(target[1] === 'linux-x64', `TargetPlatform is ${target[1]}, expected linux-x64`);
    return `${entries.size} files, TargetPlatform linux-x64`;
  });

  if (entries) {
    await results.check('bundled server is executable', async () => {
      const server = entries.get('extension/server/airshift');
      expect((server.mode & 0o111) === 0o111, `mode ${server.mode.toString(8)}, expected the executable bits`);
      const binary = server.read();
      expect(binary.subarray(0, 4).equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46])), 'not an ELF binary');
      expect(binary[4] === 2, 'not a 64-bit ELF binary');
      expect(binary.readUInt16LE(18) === 0x3e, `ELF machine ${binary.readUInt16LE(18)}, expected x86-64 (62)`);
      return `mode ${(server.mode & 0o777).toString(8)}, ELF x86-64, ${(binary.length / 1e6).toFixed(1)} MB`;
    });

    await results.check('extension bundle', async () => {
      const bundle = entries.get('extension/dist/extension.js').read().toString('utf8');
      expect(bundle.includes('airshift.restartServer'), 'the bundle does not register airshift.restartServer');
      expect(bundle.includes('airshift.showOutput'), 'the bundle does not register airshift.showOutput');
      expect(!/require\(["']vscode-languageclient/.test(bundle), 'the bundle requires vscode-languageclient at run time instead of including it');
      return `${(bundle.length / 1e3).toFixed(0)} kB, commands registered`;
    });

    await results.check('package.json settings', async () => {
      manifest = JSON.parse(entries.get('extension/package.json').read().toString('utf8'));
      const properties = manifest.contributes.configuration.properties;
      const expected = {
        'airshift.path': 'string',
        'airshift.mappings': 'array',
        'airshift.workPool': 'string',
        'airshift.unsafeFixes': 'boolean',
        'airshift.enable': 'boolean',
        'airshift.trace.server': 'string',
      };
      for (const [name, type] of Object.entries(expected)) {
        expect(properties[name], `setting ${name} is missing`);
        expect(properties[name].type === type, `setting ${name} has type ${properties[name].type}, expected ${type}`);
      }
      expect(properties['airshift.mappings'].items.type === 'string', 'airshift.mappings items are not strings');
      // An empty default lets the project's [tool.airshift] work-pool apply.
      expect(properties['airshift.workPool'].default === '', `airshift.workPool default is "${properties['airshift.workPool'].default}", expected ""`);
      expect(manifest.main === './dist/extension.js', `main is ${manifest.main}`);
      expect(manifest.activationEvents.includes('onLanguage:python'), 'the extension does not activate on Python files');
      const commands = manifest.contributes.commands.map((c) => c.command).sort();
      expect(JSON.stringify(commands) === JSON.stringify(['airshift.restartServer', 'airshift.showOutput']), `commands are ${commands.join(', ')}`);
      return Object.keys(expected).join(', ');
    });

    if (manifest) {
      await results.check('settings match the server', async () => {
        const serverKeys = serverSettingKeys();
        const extensionKeys = Object.keys(manifest.contributes.configuration.properties)
          .map((name) => name.replace(/^airshift\./, ''))
          .filter((key) => !['path', 'enable', 'trace.server'].includes(key))
          .sort();
        expect(JSON.stringify(serverKeys) === JSON.stringify(extensionKeys), `server reads ${serverKeys.join(', ')}, the extension sends ${extensionKeys.join(', ')}`);
        return `both: ${serverKeys.join(', ')}`;
      });
    }
  }

  const failed = results.data.checks.some((c) => c.status === 'failed');
  process.exit(failed ? 1 : 0);
}

function writeExecutable(file, mode = 0o755) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, '#!/bin/sh\n');
  fs.chmodSync(file, mode);
  return file;
}

/** Checks the order in which the extension looks for the server binary. */
async function checkServerLookup(results) {
  await results.check('server lookup order', async () => {
    const work = process.env.AIRSHIFT_WORK;
    fs.rmSync(work, { recursive: true, force: true });
    fs.mkdirSync(work, { recursive: true });
    const compiled = path.join(work, 'serverPath.js');
    const esbuild = path.join(repo, 'editors', 'vscode', 'node_modules', '.bin', 'esbuild');
    execFileSync(esbuild, [path.join(repo, 'editors', 'vscode', 'src', 'serverPath.ts'), '--bundle', '--platform=node', '--format=cjs', `--outfile=${compiled}`, '--log-level=warning']);
    const { resolveServerBinary, expandSettingPath } = require(compiled);

    const workspace = path.join(work, 'workspace');
    const extension = path.join(work, 'extension');
    const onPath = path.join(work, 'path-dir');
    const configured = writeExecutable(path.join(workspace, 'tools', 'airshift'));
    const savedPath = process.env.PATH;
    try {
      process.env.PATH = onPath;
      const cases = [];
      const lookup = (setting) => resolveServerBinary(setting, extension, workspace);
      const expectThrow = (setting, needle, name) => {
        let message = '';
        try {
          lookup(setting);
        } catch (err) {
          message = err.message;
        }
        expect(message.includes(needle), `${name}: error "${message}" lacks "${needle}"`);
        cases.push(name);
      };
      const expectFound = (setting, wanted, source, name) => {
        const found = lookup(setting);
        expect(found.path === wanted, `${name}: found ${found.path}, expected ${wanted}`);
        expect(found.source === source, `${name}: chosen by ${found.source}, expected ${source}`);
        cases.push(name);
      };

      expectThrow('', 'not found', 'nothing installed');
      const pathBinary = writeExecutable(path.join(onPath, 'airshift'));
      expectFound('', pathBinary, 'PATH', 'PATH');
      writeExecutable(path.join(extension, 'server', 'airshift'), 0o644);
      expectFound('', pathBinary, 'PATH', 'bundled without the executable bit');
      const bundled = writeExecutable(path.join(extension, 'server', 'airshift'));
      expectFound('', bundled, 'bundled', 'bundled before PATH');
      expectFound(configured, configured, 'airshift.path', 'airshift.path before bundled');
      expectFound('tools/airshift', configured, 'airshift.path', 'relative airshift.path');
      expectFound('${workspaceFolder}/tools/airshift', configured, 'airshift.path', '${workspaceFolder}');
      expectThrow(path.join(workspace, 'missing'), path.join(workspace, 'missing'), 'missing airshift.path');
      expect(expandSettingPath('~/bin/airshift', undefined) === path.join(os.homedir(), 'bin', 'airshift'), '~ is not expanded');
      cases.push('~');
      return cases.join(', ');
    } finally {
      process.env.PATH = savedPath;
    }
  });
}

function packageVersion(name) {
  const file = path.join(repo, 'editors', 'vscode', 'node_modules', name, 'package.json');
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')).version;
  } catch {
    return 'not installed';
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
