import * as vscode from 'vscode';
import { expandSettingPath } from './serverPath';

/**
 * Settings that `airshift serve` reads, under the key "airshift" of its
 * initializationOptions and of workspace/didChangeConfiguration.
 */
export interface ServerSettings {
  mappings: string[];
  workPool: string;
}

/** Names of the `airshift.*` settings that are sent to the server rather than used by the extension. */
export const serverSettingNames = ['mappings', 'workPool'] as const;

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
  return {
    mappings,
    workPool: config.get<string>('workPool', 'kubernetes-pool'),
  };
}
