import * as vscode from 'vscode';
import {
  DidChangeConfigurationNotification,
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
} from 'vscode-languageclient/node';
import { resolveServerBinary } from './serverPath';
import { firstWorkspaceFolder, readServerSettings, serverSettingNames } from './settings';

// The client id is also the settings prefix: vscode-languageclient reads
// the protocol trace level from "airshift.trace.server".
const clientId = 'airshift';

let client: LanguageClient | undefined;
let output: vscode.LogOutputChannel;
let extensionPath: string;

// Start, stop and restart run one at a time, so that a settings change that
// arrives during a start cannot leave two servers running.
let lifecycle: Promise<void> = Promise.resolve();

function serialize(step: () => Promise<void>): Promise<void> {
  lifecycle = lifecycle.then(step, step);
  return lifecycle;
}

async function startServer(): Promise<void> {
  if (client !== undefined) {
    return;
  }
  const config = vscode.workspace.getConfiguration('airshift');
  if (!config.get<boolean>('enable', true)) {
    output.info('Airshift is disabled by the airshift.enable setting.');
    return;
  }

  let binary;
  try {
    binary = resolveServerBinary(config.get<string>('path', ''), extensionPath, firstWorkspaceFolder());
  } catch (err) {
    reportError(err instanceof Error ? err.message : String(err));
    return;
  }
  output.info(`Starting ${binary.path} serve (chosen by ${binary.source}).`);

  const serverOptions: ServerOptions = {
    command: binary.path,
    args: ['serve'],
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ scheme: 'file', language: 'python' }],
    initializationOptions: { airshift: readServerSettings() },
    outputChannel: output,
  };
  const started = new LanguageClient(clientId, 'Airshift', serverOptions, clientOptions);
  try {
    await started.start();
    client = started;
  } catch (err) {
    reportError(`The Airshift server failed to start: ${err instanceof Error ? err.message : String(err)}`);
    await started.dispose().catch(() => undefined);
  }
}

async function stopServer(): Promise<void> {
  const running = client;
  client = undefined;
  if (running === undefined) {
    return;
  }
  try {
    await running.stop();
  } catch (err) {
    output.error(`Stopping the server failed: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function reportError(message: string): void {
  output.error(message);
  void vscode.window.showErrorMessage(message, 'Show Output').then((choice) => {
    if (choice === 'Show Output') {
      output.show(true);
    }
  });
}

async function onConfigurationChanged(event: vscode.ConfigurationChangeEvent): Promise<void> {
  if (event.affectsConfiguration('airshift.enable') || event.affectsConfiguration('airshift.path')) {
    await serialize(async () => {
      await stopServer();
      await startServer();
    });
    return;
  }
  const serverSettingChanged = serverSettingNames.some((name) => event.affectsConfiguration(`airshift.${name}`));
  if (serverSettingChanged && client !== undefined) {
    await client.sendNotification(DidChangeConfigurationNotification.type, {
      settings: { airshift: readServerSettings() },
    });
  }
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  extensionPath = context.extensionPath;
  output = vscode.window.createOutputChannel('Airshift', { log: true });
  context.subscriptions.push(
    output,
    vscode.commands.registerCommand('airshift.restartServer', () =>
      serialize(async () => {
        await stopServer();
        await startServer();
      }),
    ),
    vscode.commands.registerCommand('airshift.showOutput', () => output.show(true)),
    vscode.workspace.onDidChangeConfiguration(onConfigurationChanged),
  );
  await serialize(startServer);
}

export function deactivate(): Promise<void> {
  return serialize(stopServer);
}
