import type { RigConfig } from './config/schema';
import type { Issue, Plan, StepSelection } from './model';
import { branchFor } from './task-factory';

export interface DryRunReport {
  issue: { url: string; number: number; title: string; labels: string[] };
  branch: string;
  baseBranch: string;
  steps: StepSelection[];
  plan: Plan | null;
  planError?: string;
  deploy: Array<{ name: string; command: string; transport: string; timeoutMs: number }>;
  tests: Array<{ name: string; command: string; affectedPaths: string[] | null }>;
  approvalBeforeDeploy: boolean;
  maxRetry: number;
  notifications: string[];
  /** Everything a real run would write, none of which this dry run did. */
  blockedSideEffects: string[];
}

/** What `rig exec` would do for an issue, computed without writing anything anywhere. */
export function describeDryRun(config: RigConfig, issue: Issue, steps: StepSelection[], plan: Plan | null, planError?: string): DryRunReport {
  const branch = branchFor(config, issue.number);
  const baseBranch = config.source?.base_branch ?? 'main';
  const deploy = !config.deploy || !steps.includes('deploy')
    ? []
    : config.deploy.method === 'custom'
      ? config.deploy.config.commands.map((c) => ({ name: c.name, command: c.run, transport: c.transport.type === 'ssh' ? `ssh ${c.transport.ssh.user}@${c.transport.ssh.host}:${c.transport.ssh.port}` : 'local', timeoutMs: c.timeout }))
      : [{ name: 'docker-compose', command: `docker compose -f ${config.deploy.config.file}${config.deploy.config.env_file ? ` --env-file ${config.deploy.config.env_file}` : ''} up -d`, transport: 'local', timeoutMs: config.deploy.config.timeout }];
  const tests = steps.includes('test') ? config.test.map((t) => ({ name: t.name, command: t.run, affectedPaths: t.affected_paths ?? null })) : [];
  const blocked = [
    'create a task record and logs under .git/rig',
    `create git worktree and branch ${branch}`,
  ];
  if (steps.includes('code')) blocked.push('let the AI edit files in the worktree', `commit and push ${branch} to origin`);
  if (deploy.length) blocked.push(`run ${deploy.length} deploy command(s)`);
  if (tests.length) blocked.push(`run up to ${tests.length} test command(s)`);
  if (steps.includes('report')) blocked.push(`open a ${config.workflow.draft_pr ? 'draft ' : ''}pull request ${branch} → ${baseBranch}`, 'comment on the issue');
  for (const n of config.notify) if (n.type !== 'comment') blocked.push(`send ${n.type} notifications on ${n.on.join(', ')}`);
  return {
    issue: { url: issue.url, number: issue.number, title: issue.title, labels: issue.labels },
    branch,
    baseBranch,
    steps,
    plan,
    ...(planError ? { planError } : {}),
    deploy,
    tests,
    approvalBeforeDeploy: config.workflow.approval.before_deploy,
    maxRetry: config.ai?.max_retry ?? 3,
    notifications: config.notify.map((n) => `${n.type} on ${n.on.join(', ')}`),
    blockedSideEffects: blocked,
  };
}
