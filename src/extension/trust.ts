import * as vscode from 'vscode';

export interface TrustCheck {
  isTrusted: () => boolean;
  warn: (message: string) => void;
}

const editorTrust: TrustCheck = {
  isTrusted: () => vscode.workspace.isTrusted,
  warn: (message) => void vscode.window.showWarningMessage(message),
};

/**
 * The guard every handler that runs something calls first. A `when` clause only hides a menu
 * entry; a command can still arrive from the palette, a keybinding or another extension, so the
 * refusal has to live in the handler itself.
 */
export function allowedToRun(action: string, check: TrustCheck = editorTrust): boolean {
  if (check.isTrusted()) return true;
  check.warn(
    vscode.l10n.t(
      'Rig cannot {0}: this folder is not trusted (Restricted Mode). Rig runs no task, deploy, test or AI call in an untrusted folder; trust the folder to use it.',
      action,
    ),
  );
  return false;
}
