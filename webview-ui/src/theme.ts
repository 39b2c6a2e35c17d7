// Colours come from VS Code's theme variables, so the views follow the user's theme inside the
// editor; each has a fallback from the Dark Modern theme for the browser, where none are set.
// Everything is a constructable stylesheet: no <style> element, no style attribute, nothing a
// strict Content-Security-Policy (style-src without 'unsafe-inline') would refuse.
import { css, unsafeCSS } from 'lit';

const aliases = css`
  :root {
    --rig-font: var(--vscode-font-family, system-ui, -apple-system, 'Segoe UI', Ubuntu, sans-serif);
    --rig-font-size: var(--vscode-font-size, 13px);
    --rig-mono: var(--vscode-editor-font-family, ui-monospace, 'SFMono-Regular', Menlo, Consolas, monospace);
    --rig-mono-size: var(--vscode-editor-font-size, 12px);
    --rig-fg: var(--vscode-foreground, #cccccc);
    --rig-muted: var(--vscode-descriptionForeground, #9d9d9d);
    --rig-bg: var(--vscode-editor-background, #1f1f1f);
    --rig-surface: var(--vscode-sideBar-background, #181818);
    --rig-raised: var(--vscode-editorWidget-background, #202020);
    --rig-border: var(--vscode-panel-border, #2b2b2b);
    --rig-strong-border: var(--vscode-widget-border, #454545);
    --rig-link: var(--vscode-textLink-foreground, #4daafc);
    --rig-link-active: var(--vscode-textLink-activeForeground, #4daafc);
    --rig-focus: var(--vscode-focusBorder, #0078d4);
    --rig-hover: var(--vscode-list-hoverBackground, #2a2d2e);
    --rig-code-bg: var(--vscode-textCodeBlock-background, #2b2b2b);
    --rig-running: var(--vscode-charts-blue, #3794ff);
    --rig-success: var(--vscode-testing-iconPassed, #73c991);
    --rig-failed: var(--vscode-testing-iconFailed, #f14c4c);
    --rig-waiting: var(--vscode-charts-yellow, #cca700);
    --rig-error-bg: var(--vscode-inputValidation-errorBackground, #5a1d1d);
    --rig-error-border: var(--vscode-inputValidation-errorBorder, #be1100);
    --rig-added-bg: var(--vscode-diffEditor-insertedLineBackground, rgba(155, 185, 85, 0.2));
    --rig-removed-bg: var(--vscode-diffEditor-removedLineBackground, rgba(255, 0, 0, 0.2));
    --rig-added-fg: var(--vscode-gitDecoration-addedResourceForeground, #81b88b);
    --rig-removed-fg: var(--vscode-gitDecoration-deletedResourceForeground, #c74e39);
  }
  body {
    margin: 0;
    background: var(--rig-bg);
    color: var(--rig-fg);
    font-family: var(--rig-font);
    font-size: var(--rig-font-size);
    line-height: 1.45;
  }
`;

/** The browser has no editor theme around it: declare the page dark so form controls match. */
const browserOnly = css`
  :root {
    color-scheme: dark;
  }
`;

export function applyDocumentTheme(inEditor: boolean): void {
  const sheets = [aliases, ...(inEditor ? [] : [browserOnly])].map((s) => s.styleSheet).filter((s): s is CSSStyleSheet => !!s);
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, ...sheets];
}

/** Shared by every component's shadow root. */
export const base = css`
  :host {
    display: block;
    color: var(--rig-fg);
    font-family: var(--rig-font);
    font-size: var(--rig-font-size);
  }
  *,
  *::before,
  *::after {
    box-sizing: border-box;
  }
  h1,
  h2,
  h3,
  h4 {
    margin: 0;
    font-weight: 600;
    line-height: 1.3;
  }
  h2 {
    font-size: 1.15em;
  }
  h3 {
    font-size: 1em;
  }
  a {
    color: var(--rig-link);
    text-decoration: none;
  }
  a:hover,
  a:focus-visible {
    color: var(--rig-link-active);
    text-decoration: underline;
  }
  :focus-visible {
    outline: 1px solid var(--rig-focus);
    outline-offset: 1px;
  }
  ul,
  ol {
    margin: 0;
    padding: 0;
    list-style: none;
  }
  pre,
  code {
    font-family: var(--rig-mono);
    font-size: var(--rig-mono-size);
  }
  pre {
    margin: 0;
    padding: 8px 10px;
    background: var(--rig-code-bg);
    border-radius: 3px;
    overflow: auto;
    max-height: 24em;
    white-space: pre-wrap;
    word-break: break-word;
  }
  .muted {
    color: var(--rig-muted);
  }
  .sr-only {
    position: absolute;
    width: 1px;
    height: 1px;
    padding: 0;
    margin: -1px;
    overflow: hidden;
    clip: rect(0, 0, 0, 0);
    white-space: nowrap;
    border: 0;
  }
  .panel {
    background: var(--rig-surface);
    border: 1px solid var(--rig-border);
    border-radius: 4px;
    padding: 12px 14px;
  }
  .error {
    background: var(--rig-error-bg);
    border: 1px solid var(--rig-error-border);
    border-radius: 3px;
    padding: 8px 10px;
    white-space: pre-wrap;
    word-break: break-word;
  }
  details > summary {
    cursor: pointer;
  }
  ${unsafeCSS(statusRules())}
`;

// One colour per status word, for text that also says the status (colour is never the only cue).
function statusRules(): string {
  const map: Record<string, string> = {
    running: '--rig-running',
    success: '--rig-success',
    passed: '--rig-success',
    completed: '--rig-success',
    approved: '--rig-success',
    failed: '--rig-failed',
    test_failed: '--rig-failed',
    deploy_failed: '--rig-failed',
    policy_blocked: '--rig-failed',
    rejected: '--rig-failed',
    timed_out: '--rig-failed',
    interrupted: '--rig-failed',
    aborted: '--rig-failed',
    pending: '--rig-waiting',
    awaiting_approval: '--rig-waiting',
    cancelled: '--rig-muted',
    skipped: '--rig-muted',
    expired: '--rig-muted',
    withdrawn: '--rig-muted',
  };
  return Object.entries(map)
    .map(([status, color]) => `.s-${status} { --status: var(${color}); }`)
    .join('\n');
}
