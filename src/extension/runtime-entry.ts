// Everything heavy the extension uses (engine, git, GitHub and AI clients), bundled apart as
// dist/rig-runtime.cjs and required on first use, so activation parses none of it.
export { openWorkspace } from '../runtime/workspace';
export { explainTask } from '../runtime/explain';
export { parseIssueRef } from '../adapters/github/issue-url';
export { initTemplate } from '../core/config/templates';
export { startRigServer } from '../server/start';
