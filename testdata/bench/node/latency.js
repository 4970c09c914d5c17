#!/usr/bin/env node
// Server latency benchmark for `airshift serve`, driven through
// vscode-languageserver-protocol as VS Code's client drives it.
//
// It prints, as text and as one JSON line:
//   - the time from spawning the server to the initialize result;
//   - for each of two files, the median and 95th percentile time from a
//     one-character didChange to the publishDiagnostics of that version,
//     and the same less the server's debounce delay (--debounce-ms, which
//     must match server.DefaultDebounce), an estimate of the processing;
//   - the server's peak resident memory (VmHWM) after 200 documents are
//     open and analysed, in a separate server process.
//
// Usage:
//   node latency.js --server bin/airshift --small dag300.py --large dag10k.py \
//     --corpus corpus/ [--edits 200] [--documents 200] [--budget 300] [--debounce-ms 30]
'use strict';

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { pathToFileURL } = require('node:url');
const {
  createProtocolConnection,
  StreamMessageReader,
  StreamMessageWriter,
  InitializeRequest,
  InitializedNotification,
  DidOpenTextDocumentNotification,
  DidChangeTextDocumentNotification,
  PublishDiagnosticsNotification,
  ShutdownRequest,
  ExitNotification,
} = require('vscode-languageserver-protocol/node');

function parseArgs(argv) {
  const args = { edits: 200, documents: 200, budget: 300, debounceMs: 30 };
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i];
    const value = argv[i + 1];
    if (value === undefined) {
      throw new Error(`option ${name} is missing its value`);
    }
    switch (name) {
      case '--server': args.server = value; break;
      case '--small': args.small = value; break;
      case '--large': args.large = value; break;
      case '--corpus': args.corpus = value; break;
      case '--edits': args.edits = Number(value); break;
      case '--documents': args.documents = Number(value); break;
      case '--budget': args.budget = Number(value); break;
      case '--debounce-ms': args.debounceMs = Number(value); break;
      default: throw new Error(`unknown option ${name}`);
    }
  }
  for (const required of ['server', 'small', 'large', 'corpus']) {
    if (!args[required]) {
      throw new Error(`missing --${required}; see the usage at the top of latency.js`);
    }
  }
  return args;
}

// Server is one `airshift serve` process with a protocol connection.
class Server {
  constructor(binary) {
    this.spawnedAt = process.hrtime.bigint();
    this.process = spawn(binary, ['serve', '--log-level', 'warn'], { stdio: ['pipe', 'pipe', 'inherit'] });
    this.exited = new Promise((resolve) => this.process.on('exit', resolve));
    this.connection = createProtocolConnection(
      new StreamMessageReader(this.process.stdout),
      new StreamMessageWriter(this.process.stdin),
    );
    // waiters maps "uri#version" to the resolve function of a promise.
    this.waiters = new Map();
    this.connection.onNotification(PublishDiagnosticsNotification.type, (params) => {
      const key = `${params.uri}#${params.version}`;
      const resolve = this.waiters.get(key);
      if (resolve) {
        this.waiters.delete(key);
        resolve(process.hrtime.bigint());
      }
    });
    this.connection.listen();
  }

  // initialize sends initialize and returns the milliseconds from spawn to
  // its result.
  async initialize() {
    await this.connection.sendRequest(InitializeRequest.type, {
      processId: process.pid,
      rootUri: null,
      capabilities: { general: { positionEncodings: ['utf-16'] } },
      clientInfo: { name: 'airshift-latency-benchmark' },
    });
    const elapsed = msSince(this.spawnedAt);
    await this.connection.sendNotification(InitializedNotification.type, {});
    return elapsed;
  }

  // published returns a promise of the time the diagnostics of version
  // arrive; call it before sending the change that produces them.
  published(uri, version) {
    return new Promise((resolve) => this.waiters.set(`${uri}#${version}`, resolve));
  }

  async open(uri, text) {
    const done = this.published(uri, 1);
    await this.connection.sendNotification(DidOpenTextDocumentNotification.type, {
      textDocument: { uri, languageId: 'python', version: 1, text },
    });
    return done;
  }

  memory() {
    const status = fs.readFileSync(`/proc/${this.process.pid}/status`, 'utf8');
    const field = (name) => {
      const match = status.match(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm'));
      return match ? Number(match[1]) / 1024 : NaN;
    };
    return { peakMiB: field('VmHWM'), residentMiB: field('VmRSS') };
  }

  async stop() {
    await this.connection.sendRequest(ShutdownRequest.type);
    await this.connection.sendNotification(ExitNotification.type);
    await this.exited;
    this.connection.dispose();
  }
}

function msSince(start) {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)];
}

// editPosition returns the line and UTF-16 column of the "o" in the "info"
// log level of the call nearest to the middle of text, which each edit
// toggles between "o" and "x". The generated DAGs are ASCII, so the byte
// column is the UTF-16 column.
function editPosition(text) {
  const marker = '"LOG_LEVEL": "info"';
  const at = text.indexOf(marker, Math.floor(text.length / 2));
  if (at < 0) {
    throw new Error('the DAG has no LOG_LEVEL value to edit; generate it with testdata/bench/gencorpus');
  }
  const offset = at + marker.length - 2;
  const before = text.slice(0, offset);
  const line = before.split('\n').length - 1;
  const character = offset - (before.lastIndexOf('\n') + 1);
  return { line, character };
}

// measureEdits sends up to count one-character edits to an open document,
// each after the diagnostics of the previous one arrived, and returns the
// latency of each in milliseconds. It stops early when budgetSeconds pass.
async function measureEdits(server, uri, text, count, budgetSeconds) {
  const position = editPosition(text);
  const range = { start: position, end: { line: position.line, character: position.character + 1 } };
  const started = process.hrtime.bigint();
  const latencies = [];
  for (let version = 2; version < count + 2; version++) {
    if (msSince(started) > budgetSeconds * 1000) break;
    const done = server.published(uri, version);
    const sentAt = process.hrtime.bigint();
    await server.connection.sendNotification(DidChangeTextDocumentNotification.type, {
      textDocument: { uri, version },
      contentChanges: [{ range, text: version % 2 === 0 ? 'x' : 'o' }],
    });
    const arrivedAt = await done;
    latencies.push(Number(arrivedAt - sentAt) / 1e6);
  }
  return latencies;
}

function summarize(latencies, debounceMs) {
  const sorted = [...latencies].sort((a, b) => a - b);
  const median = percentile(sorted, 50);
  const p95 = percentile(sorted, 95);
  return {
    edits: latencies.length,
    medianMs: round(median),
    p95Ms: round(p95),
    processingMedianMs: round(median - debounceMs),
    processingP95Ms: round(p95 - debounceMs),
  };
}

function round(x) {
  return Math.round(x * 100) / 100;
}

async function editPhase(args) {
  const server = new Server(args.server);
  const initializeMs = await server.initialize();
  const files = {};
  for (const [label, file] of [['small', args.small], ['large', args.large]]) {
    const text = fs.readFileSync(file, 'utf8');
    const uri = pathToFileURL(path.resolve(file)).href;
    const openedAt = process.hrtime.bigint();
    await server.open(uri, text);
    const openMs = msSince(openedAt);
    const latencies = await measureEdits(server, uri, text, args.edits, args.budget);
    files[label] = { file, lines: text.split('\n').length - 1, openMs: round(openMs), ...summarize(latencies, args.debounceMs) };
  }
  await server.stop();
  return { initializeMs: round(initializeMs), files };
}

async function memoryPhase(args) {
  const names = fs.readdirSync(args.corpus).filter((name) => name.endsWith('.py')).sort().slice(0, args.documents);
  if (names.length < args.documents) {
    throw new Error(`${args.corpus} has ${names.length} .py files, fewer than --documents ${args.documents}`);
  }
  const server = new Server(args.server);
  await server.initialize();
  const before = server.memory();
  const openedAt = process.hrtime.bigint();
  const pending = [];
  for (const name of names) {
    const file = path.resolve(args.corpus, name);
    pending.push(server.open(pathToFileURL(file).href, fs.readFileSync(file, 'utf8')));
  }
  await Promise.all(pending);
  const openAllMs = msSince(openedAt);
  const after = server.memory();
  await server.stop();
  return {
    documents: names.length,
    openAllMs: round(openAllMs),
    idleResidentMiB: round(before.residentMiB),
    peakMiB: round(after.peakMiB),
    residentMiB: round(after.residentMiB),
  };
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const edits = await editPhase(args);
  const memory = await memoryPhase(args);

  console.log(`initialize returned its result ${edits.initializeMs} ms after the server process was spawned`);
  for (const [label, f] of Object.entries(edits.files)) {
    console.log(`${label} (${f.lines} lines, ${path.basename(f.file)}): opened and analysed in ${f.openMs} ms`);
    console.log(`  didChange -> publishDiagnostics over ${f.edits} edits: median ${f.medianMs} ms, p95 ${f.p95Ms} ms ` +
      `(includes the ${args.debounceMs} ms debounce)`);
    console.log(`  minus the debounce, an estimate of the processing: median ${f.processingMedianMs} ms, p95 ${f.processingP95Ms} ms`);
    if (f.edits < args.edits) {
      console.log(`  NOTE: stopped after ${f.edits} of ${args.edits} edits because the ${args.budget} s budget ran out`);
    }
  }
  console.log(`${memory.documents} open documents: peak resident memory (VmHWM) ${memory.peakMiB} MiB, ` +
    `resident now ${memory.residentMiB} MiB, ${memory.idleResidentMiB} MiB before opening; all analysed in ${memory.openAllMs} ms`);
  console.log(JSON.stringify({ debounceMs: args.debounceMs, ...edits, memory }));
}

main().catch((err) => {
  console.error(`latency.js: ${err.stack || err}`);
  process.exit(1);
});
