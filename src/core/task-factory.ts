import type { RigConfig } from './config/schema';
import { emptyUsage, type Issue, type StepSelection, type Task } from './model';

export function branchFor(config: RigConfig, issueNumber: number): string {
  return config.workflow.branch.replaceAll('${ISSUE_NUMBER}', String(issueNumber));
}

/** Short, sortable, unique enough to type: `t<yymmdd>-<issue>-<4 hex>`; the store refuses duplicates. */
export function newTaskId(issueNumber: number, now: Date, random: () => number = Math.random): string {
  const ymd = now.toISOString().slice(2, 10).replaceAll('-', '');
  const rand = Math.floor(random() * 0x10000)
    .toString(16)
    .padStart(4, '0');
  return `t${ymd}-${issueNumber}-${rand}`;
}

export function newTask(args: {
  id: string;
  issue: Issue;
  config: RigConfig;
  baseBranch: string;
  steps?: StepSelection[];
  now: Date;
}): Task {
  const at = args.now.toISOString();
  return {
    id: args.id,
    schema: 1,
    issue: args.issue,
    status: 'queued',
    createdAt: at,
    updatedAt: at,
    branch: branchFor(args.config, args.issue.number),
    baseBranch: args.baseBranch,
    attempts: [],
    pipeline: [],
    proposals: [],
    usage: emptyUsage(),
    steps: args.steps ?? [...args.config.workflow.steps],
    resumes: 0,
  };
}
