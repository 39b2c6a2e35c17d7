import * as vscode from 'vscode';
import type { IssueRef } from '../core/model';
import { loadRuntime } from './runtime';
import type { RigSession } from './session';

interface IssuePick extends vscode.QuickPickItem {
  ref?: IssueRef;
}

/** The labels rig.yaml's triggers react to: the issues a user would run by hand are those. */
function triggerLabels(triggers: readonly { labels?: string[] }[]): string[] {
  return [...new Set(triggers.flatMap((t) => t.labels ?? []))];
}

/**
 * Asks which issue to run: a pasted URL (or owner/repo#n), or one of the repository's open issues
 * with the trigger label. The list is fetched with the credentials found silently; when there are
 * none the user can still paste a URL, and no sign-in prompt interrupts the choice.
 */
export async function pickIssue(session: RigSession, log: vscode.LogOutputChannel): Promise<IssueRef | undefined> {
  const ws = await session.workspace();
  const config = ws.requireConfig();
  const { parseIssueRef } = await loadRuntime();
  const quickPick = vscode.window.createQuickPick<IssuePick>();
  quickPick.title = vscode.l10n.t('Rig: Run issue');
  quickPick.placeholder = vscode.l10n.t('Paste an issue URL (https://github.com/OWNER/REPO/issues/N) or pick an open issue');
  quickPick.matchOnDescription = true;
  quickPick.busy = true;

  let listed: IssuePick[] = [];
  const refresh = () => {
    const typed = quickPick.value.trim();
    let pasted: IssuePick[] = [];
    if (typed) {
      try {
        const ref = parseIssueRef(typed);
        pasted = [{ label: `$(link) ${vscode.l10n.t('Run {0}/{1}#{2}', ref.owner, ref.repo, ref.number)}`, description: typed, alwaysShow: true, ref }];
      } catch {
        pasted = [];
      }
    }
    quickPick.items = [...pasted, ...listed];
  };
  quickPick.onDidChangeValue(refresh);

  const repo = config.source?.repo;
  if (repo && ws.endpoints.github.token) {
    const [owner, name] = repo.split('/') as [string, string];
    const labels = triggerLabels(config.workflow.trigger);
    ws.codeHost()
      .listOpenIssues({ owner, repo: name }, labels)
      .then((issues) => {
        listed = issues.map((i) => ({
          label: `#${i.number} ${i.title}`,
          description: i.labels.join(', '),
          detail: i.author,
          ref: { owner, repo: name, number: i.number },
        }));
        if (!listed.length) quickPick.placeholder = vscode.l10n.t('No open issues labelled {0}: paste an issue URL', labels.join(', ') || '—');
        refresh();
      })
      .catch((err) => {
        log.warn(`listing open issues of ${repo}: ${err instanceof Error ? err.message : String(err)}`);
        quickPick.placeholder = vscode.l10n.t('Could not list open issues; paste an issue URL');
      })
      .finally(() => (quickPick.busy = false));
  } else {
    quickPick.busy = false;
  }

  return new Promise<IssueRef | undefined>((resolve) => {
    quickPick.onDidAccept(() => {
      const chosen = quickPick.selectedItems[0]?.ref;
      if (!chosen) return;
      resolve(chosen);
      quickPick.hide();
    });
    quickPick.onDidHide(() => {
      resolve(undefined);
      quickPick.dispose();
    });
    quickPick.show();
  });
}
