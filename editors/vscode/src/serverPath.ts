import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** The airshift binary the extension runs, and which rule chose it. */
export interface ServerBinary {
  path: string;
  source: 'airshift.path' | 'bundled' | 'PATH';
}

const binaryName = process.platform === 'win32' ? 'airshift.exe' : 'airshift';

/** Expands `${workspaceFolder}` and a leading `~` in a path taken from the settings. */
export function expandSettingPath(value: string, workspaceFolder: string | undefined): string {
  let expanded = value;
  if (workspaceFolder !== undefined) {
    expanded = expanded.split('${workspaceFolder}').join(workspaceFolder);
  }
  if (expanded === '~' || expanded.startsWith('~/')) {
    expanded = path.join(os.homedir(), expanded.slice(1));
  }
  return expanded;
}

function isExecutableFile(candidate: string): boolean {
  try {
    if (!fs.statSync(candidate).isFile()) {
      return false;
    }
    fs.accessSync(candidate, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Finds the server binary: the `airshift.path` setting, else the binary
 * bundled in the extension's `server` folder, else `airshift` on PATH.
 * Throws an Error that names the fix when none of them is executable.
 */
export function resolveServerBinary(
  configuredPath: string,
  extensionPath: string,
  workspaceFolder: string | undefined,
): ServerBinary {
  if (configuredPath.trim() !== '') {
    let candidate = expandSettingPath(configuredPath.trim(), workspaceFolder);
    if (!path.isAbsolute(candidate) && workspaceFolder !== undefined) {
      candidate = path.join(workspaceFolder, candidate);
    }
    if (!isExecutableFile(candidate)) {
      throw new Error(
        `airshift.path is set to "${candidate}", which is not an executable file. ` +
          'Fix the path or clear the setting to use the bundled server.',
      );
    }
    return { path: candidate, source: 'airshift.path' };
  }

  const bundled = path.join(extensionPath, 'server', binaryName);
  if (isExecutableFile(bundled)) {
    return { path: bundled, source: 'bundled' };
  }

  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir === '') {
      continue;
    }
    const candidate = path.join(dir, binaryName);
    if (isExecutableFile(candidate)) {
      return { path: candidate, source: 'PATH' };
    }
  }
  throw new Error(
    'The airshift binary was not found: this build of the extension bundles none for ' +
      `${process.platform}-${process.arch}, and none is on PATH. ` +
      'Install airshift (make build in its repository) and set airshift.path to the binary.',
  );
}
