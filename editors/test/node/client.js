#!/usr/bin/env node
'use strict';
// Drives `airshift serve` from a protocol client built on
// vscode-languageserver-protocol, the library under VS Code's language
// client, with the client capabilities VS Code declares for these features.
// Environment: AIRSHIFT_REPO, AIRSHIFT_BIN, AIRSHIFT_WORK (the folder that
// prepare.js made for this client) and AIRSHIFT_RESULT (the results file).
const { spawn } = require('child_process');
const fs = require('fs');
const path = require('path');
const { pathToFileURL } = require('url');
const protocol = require('vscode-languageserver-protocol/node');
const { TextDocument } = require('vscode-languageserver-textdocument');
const { Results, expect } = require('./results');

const repo = process.env.AIRSHIFT_REPO;
const airshiftBin = process.env.AIRSHIFT_BIN;
const work = process.env.AIRSHIFT_WORK;
const fixtures = JSON.parse(fs.readFileSync(path.join(repo, 'editors/test/fixtures.json'), 'utf8'));

const waitLimitMs = 10000;
// vscode-languageclient 11 terminates a server that is still running 2 s
// after it stopped the client.
const exitLimitMs = 2000;

function packageVersion(name) {
  // The package's "exports" hide package.json from require().
  const file = path.join(__dirname, 'node_modules', name, 'package.json');
  return JSON.parse(fs.readFileSync(file, 'utf8')).version;
}

function delay(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Returns the position of the first `needle` at or after `from` in text, in UTF-16 units. */
function positionOf(text, needle, from = 0) {
  const offset = text.indexOf(needle, from);
  if (offset < 0) {
    throw new Error(`text not found in the document: ${needle}`);
  }
  const document = TextDocument.create('file:///position', 'python', 0, text);
  return { offset, position: document.positionAt(offset) };
}

/** One server process and the protocol connection to it. */
class Session {
  constructor(projectDir, initializationOptions) {
    this.projectDir = projectDir;
    this.initializationOptions = initializationOptions;
    this.documents = new Map();
    this.publishes = new Map();
    this.waiters = [];
    this.errorMessages = [];
    this.stderr = '';
  }

  async start() {
    this.process = spawn(airshiftBin, ['serve'], { cwd: this.projectDir, stdio: ['pipe', 'pipe', 'pipe'] });
    this.process.stderr.on('data', (chunk) => {
      this.stderr += chunk;
    });
    this.exited = new Promise((resolve) => {
      this.process.on('exit', (code, signal) => resolve({ code, signal }));
    });

    const connection = protocol.createProtocolConnection(
      new protocol.StreamMessageReader(this.process.stdout),
      new protocol.StreamMessageWriter(this.process.stdin),
    );
    this.connection = connection;
    connection.onRequest(protocol.ConfigurationRequest.type, (params) => params.items.map(() => null));
    connection.onRequest(protocol.RegistrationRequest.type, () => null);
    connection.onRequest(protocol.UnregistrationRequest.type, () => null);
    connection.onRequest(protocol.WorkDoneProgressCreateRequest.type, () => null);
    connection.onRequest(protocol.ApplyWorkspaceEditRequest.type, (params) => {
      this.applyWorkspaceEdit(params.edit);
      return { applied: true };
    });
    connection.onNotification(protocol.LogMessageNotification.type, () => {});
    connection.onNotification(protocol.ShowMessageNotification.type, (params) => {
      if (params.type === protocol.MessageType.Error) {
        this.errorMessages.push(params.message);
      }
    });
    connection.onNotification(protocol.PublishDiagnosticsNotification.type, (params) => {
      const publish = { ...params, receivedAt: Date.now() };
      this.publishes.set(params.uri, publish);
      this.waiters = this.waiters.filter((waiter) => !waiter(publish));
    });
    connection.listen();

    const root = pathToFileURL(this.projectDir).href;
    const result = await connection.sendRequest(protocol.InitializeRequest.type, {
      processId: process.pid,
      clientInfo: { name: 'airshift-editor-test', version: '1' },
      rootUri: root,
      workspaceFolders: [{ uri: root, name: path.basename(this.projectDir) }],
      initializationOptions: this.initializationOptions,
      capabilities: {
        general: { positionEncodings: ['utf-16'] },
        workspace: {
          applyEdit: true,
          configuration: true,
          didChangeConfiguration: { dynamicRegistration: true },
          workspaceEdit: { documentChanges: true },
          workspaceFolders: true,
        },
        textDocument: {
          synchronization: { dynamicRegistration: true, didSave: true },
          publishDiagnostics: { relatedInformation: true, versionSupport: true, codeDescriptionSupport: true, dataSupport: true },
          hover: { contentFormat: ['markdown', 'plaintext'] },
          codeAction: {
            codeActionLiteralSupport: { codeActionKind: { valueSet: ['', 'quickfix', 'source', 'source.fixAll'] } },
            isPreferredSupport: true,
            dataSupport: true,
            resolveSupport: { properties: ['edit'] },
          },
        },
      },
    });
    connection.sendNotification(protocol.InitializedNotification.type, {});
    return result;
  }

  open(file) {
    const uri = pathToFileURL(file).href;
    const document = TextDocument.create(uri, 'python', 1, fs.readFileSync(file, 'utf8'));
    this.documents.set(uri, document);
    this.connection.sendNotification(protocol.DidOpenTextDocumentNotification.type, {
      textDocument: { uri, languageId: 'python', version: 1, text: document.getText() },
    });
    return document;
  }

  /** Resolves with the first publish for uri that satisfies test, counting one already received. */
  waitForDiagnostics(uri, test, description) {
    const current = this.publishes.get(uri);
    if (current && test(current)) {
      return Promise.resolve(current);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const last = this.publishes.get(uri);
        const seen = last ? `${last.diagnostics.length} diagnostics at version ${last.version}` : 'no publish';
        reject(new Error(`timed out after ${waitLimitMs} ms waiting for ${description}; last seen: ${seen}`));
      }, waitLimitMs);
      this.waiters.push((publish) => {
        if (publish.uri !== uri || !test(publish)) {
          return false;
        }
        clearTimeout(timer);
        resolve(publish);
        return true;
      });
    });
  }

  /**
   * Applies a WorkspaceEdit to the open documents and sends the edits as
   * incremental didChange events, last edit first, as VS Code does.
   */
  applyWorkspaceEdit(edit) {
    const editsByUri = new Map(Object.entries(edit.changes || {}));
    for (const change of edit.documentChanges || []) {
      editsByUri.set(change.textDocument.uri, change.edits);
    }
    for (const [uri, edits] of editsByUri) {
      const document = this.documents.get(uri);
      if (!document) {
        throw new Error(`the edit changes ${uri}, which is not open`);
      }
      const ordered = [...edits].sort((a, b) => document.offsetAt(b.range.start) - document.offsetAt(a.range.start));
      const text = TextDocument.applyEdits(document, edits);
      const version = document.version + 1;
      TextDocument.update(document, [{ text }], version);
      this.connection.sendNotification(protocol.DidChangeTextDocumentNotification.type, {
        textDocument: { uri, version },
        contentChanges: ordered.map((textEdit) => ({ range: textEdit.range, text: textEdit.newText })),
      });
    }
  }

  changeSettings(settings) {
    this.connection.sendNotification(protocol.DidChangeConfigurationNotification.type, { settings });
  }

  /** Sends shutdown and exit, and returns how the process ended. */
  async stop() {
    await this.connection.sendRequest(protocol.ShutdownRequest.type);
    await this.connection.sendNotification(protocol.ExitNotification.type);
    const sentAt = Date.now();
    const onItsOwn = await Promise.race([this.exited, delay(exitLimitMs).then(() => null)]);
    if (onItsOwn) {
      return { ...onItsOwn, ms: Date.now() - sentAt, afterStdinClosed: false };
    }
    this.process.stdin.end();
    const afterClose = await Promise.race([this.exited, delay(exitLimitMs).then(() => null)]);
    if (!afterClose) {
      this.process.kill('SIGKILL');
    }
    this.connection.dispose();
    return { ...(afterClose || { code: null, signal: 'SIGKILL' }), ms: Date.now() - sentAt, afterStdinClosed: true };
  }
}

function describeRange(range) {
  return `${range.start.line + 1}:${range.start.character + 1}-${range.end.line + 1}:${range.end.character + 1}`;
}

async function checkDag(results, dag) {
  const file = path.join(work, dag.name, 'dags', path.basename(dag.source));
  const session = new Session(path.join(work, dag.name), { airshift: {} });
  const label = path.basename(dag.source);
  let document;
  let published;

  await results.check(`${label}: initialize`, async () => {
    const result = await session.start();
    expect(result.capabilities.positionEncoding === 'utf-16', `positionEncoding is ${result.capabilities.positionEncoding}, expected utf-16`);
    expect(result.capabilities.hoverProvider, 'hoverProvider is not advertised');
    expect(result.capabilities.codeActionProvider, 'codeActionProvider is not advertised');
    return `positionEncoding ${result.capabilities.positionEncoding}`;
  });

  await results.check(`${label}: AS101 diagnostics`, async () => {
    document = session.open(file);
    published = await session.waitForDiagnostics(document.uri, (p) => p.diagnostics.length > 0, 'the first diagnostics');
    const diagnostics = published.diagnostics;
    expect(diagnostics.length === dag.diagnostics, `${diagnostics.length} diagnostics, expected ${dag.diagnostics}`);
    for (const diagnostic of diagnostics) {
      expect(diagnostic.code === 'AS101', `code ${diagnostic.code}, expected AS101`);
      expect(diagnostic.source === 'airshift', `source ${diagnostic.source}, expected airshift`);
      const covered = document.getText(diagnostic.range);
      expect(covered === 'KubernetesPodOperator', `range ${describeRange(diagnostic.range)} covers "${covered}", expected the operator name`);
    }
    return `${diagnostics.length} AS101 at ${diagnostics.map((d) => describeRange(d.range)).join(', ')}`;
  });
  if (!published) {
    await session.stop();
    return;
  }

  const text = document.getText();
  const targetStart = positionOf(text, dag.target).offset;
  const operator = positionOf(text, 'KubernetesPodOperator', targetStart).position;

  await results.check(`${label}: hover`, async () => {
    const hover = await session.connection.sendRequest(protocol.HoverRequest.type, {
      textDocument: { uri: document.uri },
      position: { line: operator.line, character: operator.character + 3 },
    });
    expect(hover, 'no hover');
    expect(hover.contents, 'the hover has no contents');
    expect(hover.contents.kind === 'markdown', `hover kind ${hover.contents.kind}, expected markdown`);
    for (const needle of dag.hover_contains) {
      expect(hover.contents.value.includes(needle), `hover lacks "${needle}"`);
    }
    return `markdown, ${hover.contents.value.length} characters, contains ${dag.hover_contains.map((n) => `"${n}"`).join(', ')}`;
  });

  let action;
  await results.check(`${label}: code action`, async () => {
    const diagnostic = published.diagnostics.find((d) => d.range.start.line === operator.line);
    expect(diagnostic, `no diagnostic on line ${operator.line + 1}`);
    const actions = await session.connection.sendRequest(protocol.CodeActionRequest.type, {
      textDocument: { uri: document.uri },
      range: diagnostic.range,
      context: { diagnostics: [diagnostic], triggerKind: protocol.CodeActionTriggerKind.Invoked },
    });
    const quickFixes = (actions || []).filter((a) => a.kind === 'quickfix');
    expect(quickFixes.length > 0, 'no quickfix action');
    action = dag.fix_preferred ? quickFixes.find((a) => a.isPreferred === true) : quickFixes[0];
    expect(action, 'no quickfix action with isPreferred true');
    expect(Boolean(action.isPreferred) === dag.fix_preferred, `isPreferred is ${action.isPreferred}, expected ${dag.fix_preferred}`);
    if (!action.edit) {
      action = await session.connection.sendRequest(protocol.CodeActionResolveRequest.type, action);
    }
    expect(action.edit, 'the action has no edit, even after codeAction/resolve');
    return `"${action.title}"`;
  });

  if (action) {
    await results.check(`${label}: edit applied`, async () => {
      session.applyWorkspaceEdit(action.edit);
      const after = document.getText();
      for (const needle of dag.after_contains) {
        expect(after.includes(needle), `the document lacks ${needle}`);
      }
      for (const needle of dag.after_absent) {
        expect(!after.includes(needle), `the document still contains ${needle}`);
      }
      if (dag.same_as_cli_fix) {
        const expected = fs.readFileSync(path.join(work, '..', 'expected', dag.name, 'dags', label), 'utf8');
        expect(after === expected, 'the document differs from the output of `airshift fix` on the same file');
      }
      return `contains ${dag.after_contains.length} expected lines${dag.same_as_cli_fix ? ', equals `airshift fix` output' : ''}`;
    });

    await results.check(`${label}: diagnostics after the edit`, async () => {
      const publish = await session.waitForDiagnostics(
        document.uri,
        (p) => p.version === undefined || p.version >= document.version,
        `diagnostics for version ${document.version}`,
      );
      expect(publish.diagnostics.length === dag.diagnostics_after, `${publish.diagnostics.length} diagnostics, expected ${dag.diagnostics_after}`);
      for (const diagnostic of publish.diagnostics) {
        const covered = document.getText(diagnostic.range);
        expect(covered === 'KubernetesPodOperator', `range ${describeRange(diagnostic.range)} covers "${covered}" after the edit`);
      }
      return `${publish.diagnostics.length} left, version ${publish.version}`;
    });
  }

  await checkStop(results, label, session);
}

async function checkStop(results, label, session) {
  await results.check(`${label}: exit after shutdown`, async () => {
    const ended = await session.stop();
    expect(session.errorMessages.length === 0, `the server showed errors: ${session.errorMessages.join('; ')}`);
    expect(!ended.afterStdinClosed, `still running ${exitLimitMs} ms after exit; it ended ${ended.ms} ms after exit, once stdin closed (code ${ended.code}, signal ${ended.signal})`);
    expect(ended.code === 0, `exit code ${ended.code}, signal ${ended.signal}`);
    return `exit code 0 after ${ended.ms} ms`;
  });
}

async function checkCustomMapping(results) {
  const custom = fixtures.custom;
  const file = path.join(work, custom.name, 'dags', path.basename(custom.source));
  const session = new Session(path.join(work, custom.name), { airshift: {} });
  const label = path.basename(custom.source);
  await session.start();
  const document = session.open(file);

  const before = await results.check(`${label}: no diagnostics without mappings`, async () => {
    const publish = await session.waitForDiagnostics(document.uri, () => true, 'the first diagnostics');
    expect(publish.diagnostics.length === custom.diagnostics_without_mappings, `${publish.diagnostics.length} diagnostics, expected ${custom.diagnostics_without_mappings}`);
    return `${publish.diagnostics.length} diagnostics`;
  });

  if (before !== undefined) {
    await results.check(`${label}: didChangeConfiguration adds mappings`, async () => {
      const mappings = path.join(repo, custom.mappings);
      session.publishes.delete(document.uri);
      session.changeSettings({ airshift: { mappings: [mappings] } });
      const publish = await session.waitForDiagnostics(document.uri, (p) => p.diagnostics.length > 0, 'diagnostics after the settings change');
      expect(publish.diagnostics.length === custom.diagnostics_with_mappings, `${publish.diagnostics.length} diagnostics, expected ${custom.diagnostics_with_mappings}`);
      for (const diagnostic of publish.diagnostics) {
        expect(diagnostic.code === custom.code, `code ${diagnostic.code}, expected ${custom.code}`);
        const covered = document.getText(diagnostic.range);
        expect(covered === custom.operator, `range covers "${covered}", expected ${custom.operator}`);
      }
      expect(session.errorMessages.length === 0, `the server showed errors: ${session.errorMessages.join('; ')}`);
      return `${publish.diagnostics.length} ${custom.code} with {"airshift": {"mappings": ["${mappings}"]}}`;
    });

    await results.check(`${label}: invalid mapping path reported`, async () => {
      const missing = path.join(work, 'no-such-mappings');
      session.changeSettings({ airshift: { mappings: [missing] } });
      const deadline = Date.now() + waitLimitMs;
      while (session.errorMessages.length === 0 && Date.now() < deadline) {
        await delay(10);
      }
      expect(session.errorMessages.some((m) => m.includes(missing)), `no error message names ${missing}`);
      return `window/showMessage: ${session.errorMessages[0]}`;
    });
  }

  session.errorMessages = [];
  await checkStop(results, label, session);
}

async function checkWorkPool(results) {
  const pool = fixtures.work_pool;
  const dag = fixtures.dags.find((d) => d.name === pool.fixture);
  const file = path.join(work, 'work_pool', 'dags', path.basename(dag.source));
  const session = new Session(path.join(work, 'work_pool'), { airshift: { workPool: pool.name } });
  const label = `${path.basename(dag.source)} with workPool`;
  await session.start();
  const document = session.open(file);

  await results.check(`${label}: pool from initializationOptions`, async () => {
    const publish = await session.waitForDiagnostics(document.uri, (p) => p.diagnostics.length > 0, 'the first diagnostics');
    const actions = await session.connection.sendRequest(protocol.CodeActionRequest.type, {
      textDocument: { uri: document.uri },
      range: publish.diagnostics[0].range,
      context: { diagnostics: publish.diagnostics },
    });
    const edits = Object.values((actions[0] && actions[0].edit && actions[0].edit.changes) || {}).flat();
    const newText = edits.map((e) => e.newText).join('');
    expect(newText.includes(pool.edit_contains), `the rewrite lacks "${pool.edit_contains}"`);
    return `rewrite contains "${pool.edit_contains}"`;
  });

  await results.check(`${label}: pool from didChangeConfiguration`, async () => {
    session.publishes.delete(document.uri);
    session.changeSettings({ airshift: { workPool: 'kubernetes-pool' } });
    const publish = await session.waitForDiagnostics(document.uri, (p) => p.diagnostics.length > 0, 'diagnostics after the settings change');
    const actions = await session.connection.sendRequest(protocol.CodeActionRequest.type, {
      textDocument: { uri: document.uri },
      range: publish.diagnostics[0].range,
      context: { diagnostics: publish.diagnostics },
    });
    const edits = Object.values((actions[0] && actions[0].edit && actions[0].edit.changes) || {}).flat();
    const newText = edits.map((e) => e.newText).join('');
    expect(newText.includes('--pool kubernetes-pool'), 'the rewrite lacks "--pool kubernetes-pool" after the change');
    expect(!newText.includes(pool.edit_contains), `the rewrite still contains "${pool.edit_contains}"`);
    return 'rewrite contains "--pool kubernetes-pool"';
  });

  await session.stop();
}

/**
 * Checks source.fixAll on a file with one safe rewrite and one that needs
 * review, with and without the unsafeFixes setting.
 */
async function checkFixAll(results, fixAll) {
  const label = path.basename(fixAll.source);
  for (const fixCase of fixtures.fix_all.cases) {
    const projectDir = path.join(work, fixCase.name);
    const file = path.join(projectDir, 'dags', label);
    const session = new Session(projectDir, { airshift: fixCase.settings });
    const settings = JSON.stringify(fixCase.settings);
    await session.start();
    const document = session.open(file);

    await results.check(`${label}: source.fixAll with ${settings}`, async () => {
      await session.waitForDiagnostics(document.uri, (p) => p.diagnostics.length > 0, 'the first diagnostics');
      const actions = await session.connection.sendRequest(protocol.CodeActionRequest.type, {
        textDocument: { uri: document.uri },
        range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
        context: { diagnostics: [], only: ['source.fixAll'], triggerKind: protocol.CodeActionTriggerKind.Automatic },
      });
      let action = (actions || []).find((a) => a.kind === 'source.fixAll');
      expect(action, 'no source.fixAll action');
      const resolved = action.edit === undefined;
      if (resolved) {
        action = await session.connection.sendRequest(protocol.CodeActionResolveRequest.type, action);
      }
      expect(action.edit, 'the source.fixAll action has no edit, even after codeAction/resolve');
      session.applyWorkspaceEdit(action.edit);
      const cli = ['airshift fix', ...fixCase.cli_args].join(' ');
      const expected = fs.readFileSync(path.join(work, '..', 'expected', fixCase.name, 'dags', label), 'utf8');
      expect(document.getText() === expected, `the document differs from the output of \`${cli}\` on the same file`);

      const publish = await session.waitForDiagnostics(
        document.uri,
        (p) => p.version === undefined || p.version >= document.version,
        `diagnostics for version ${document.version}`,
      );
      expect(publish.diagnostics.length === fixCase.diagnostics_after, `${publish.diagnostics.length} diagnostics after, expected ${fixCase.diagnostics_after}`);
      return `"${action.title}"${resolved ? ' from codeAction/resolve' : ''}, equals \`${cli}\` output, ${publish.diagnostics.length} diagnostics left`;
    });

    await session.stop();
  }
}

async function main() {
  const version = `Node.js ${process.version}, vscode-languageserver-protocol ${packageVersion('vscode-languageserver-protocol')}`;
  const results = new Results('Node.js protocol client', version, process.env.AIRSHIFT_RESULT);
  results.write();
  try {
    for (const dag of fixtures.dags) {
      await checkDag(results, dag);
    }
    await checkCustomMapping(results);
    await checkWorkPool(results);
    await checkFixAll(results, fixtures.fix_all);
  } catch (err) {
    results.fail(err);
  }
  const failed = results.data.error !== undefined || results.data.checks.some((c) => c.status === 'failed');
  process.exit(failed ? 1 : 0);
}

main();
