import { execFileSync } from 'node:child_process';
import path from 'node:path';
import * as vscode from 'vscode';
import type { RigApi } from '../../../src/extension/extension';

export const EXTENSION_ID = 'rig.rig';

export async function rigApi(): Promise<RigApi> {
  const ext = vscode.extensions.getExtension<RigApi>(EXTENSION_ID);
  if (!ext) throw new Error(`extension ${EXTENSION_ID} is not installed in this editor`);
  return ext.isActive ? ext.exports : ext.activate();
}

export function packageJson(): { contributes: Record<string, unknown>; [key: string]: unknown } {
  return vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON;
}

export function extensionPath(): string {
  return vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath;
}

/** Rig's state directory of the open folder's repository, or undefined when the folder is not a git repository. */
export function stateDirOfWorkspace(): string | undefined {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  if (!folder) return undefined;
  try {
    const common = execFileSync('git', ['rev-parse', '--git-common-dir'], { cwd: folder, encoding: 'utf8' }).trim();
    return path.join(path.resolve(folder, common), 'rig');
  } catch {
    return undefined;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
