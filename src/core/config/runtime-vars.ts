/**
 * Values known only while a task runs. `${NAME}` of these is left in rig.yaml as written at load
 * time and filled in by the deploy and test runners for each task.
 */
export const RUNTIME_VARS = [
  'BRANCH_NAME',
  'COMMIT_SHA',
  'ISSUE_ID',
  'ISSUE_NUMBER',
  'ISSUE_TITLE',
  'REPO_OWNER',
  'REPO_NAME',
] as const;

export type RuntimeVar = (typeof RUNTIME_VARS)[number];

const names: ReadonlySet<string> = new Set(RUNTIME_VARS);

export function isRuntimeVar(name: string): name is RuntimeVar {
  return names.has(name);
}
