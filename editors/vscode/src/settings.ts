import * as vscode from 'vscode';
import { expandSettingPath } from './serverPath';

/**
 * Settings that `airshift serve` reads, under the key "airshift" of its
 * initializationOptions and of workspace/didChangeConfiguration.
 */
export interface ServerSettings {
  mappings: string[];
  // An empty work pool lets the project's [tool.airshift] work-pool apply.
  workPool: string;
  // Left out while the user has not set it, so that the project's
  // unsafe-fixes applies.
  unsafeFixes?: boolean;
}

/** Names of the `airshift.*` settings that are sent to the server rather than used by the extension. */
export const serverSettingNames = ['mappings', 'workPool', 'unsafeFixes'] as const;

export function firstWorkspaceFolder(): string | undefined {
  const folder = vscode.workspace.workspaceFolders?.[0];
  return folder?.uri.scheme === 'file' ? folder.uri.fsPath : undefined;
}

/** Reads the server's settings from the VS Code configuration. */
export function readServerSettings(): ServerSettings {
  const config = vscode.workspace.getConfiguration('airshift');
  const folder = firstWorkspaceFolder();
  // The server resolves relative mapping paths from the workspace root, so
  // only the variables that VS Code users write are expanded here.
  const mappings = config
    .get<string[]>('mappings', [])
    .filter((entry) => typeof entry === 'string' && entry.trim() !== '')
    .map((entry) => expandSettingPath(entry.trim(), folder));
  const settings: ServerSettings = {
    mappings,
    workPool: config.get<string>('workPool', '').trim(),
  };
  const unsafeFixes = config.inspect<boolean>('unsafeFixes');
  const explicit = unsafeFixes?.workspaceFolderValue ?? unsafeFixes?.workspaceValue ?? unsafeFixes?.globalValue;
  if (explicit !== undefined) {
    settings.unsafeFixes = explicit;
  }
  return settings;
}
