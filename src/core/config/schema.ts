import { z } from 'zod';

// The whole rig.yaml. Every example of the original README loads as written; fields that Rig adds
// beyond it are optional with defaults, so a minimal file stays minimal.

const DURATION_RE = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "120s", "5m", "24h", or a bare number of seconds, as milliseconds. */
export const duration = z
  .union([z.string(), z.number()])
  .transform((value, ctx) => {
    if (typeof value === 'number') {
      if (value > 0 && Number.isFinite(value)) return Math.round(value * 1000);
    } else {
      const m = DURATION_RE.exec(value.trim());
      if (m && Number(m[1]) > 0) return Math.round(Number(m[1]) * UNIT_MS[m[2]!]!);
    }
    ctx.addIssue({ code: 'custom', message: `expected a positive duration such as "120s", "5m" or "24h", got ${JSON.stringify(value)}` });
    return z.NEVER;
  });

const sshTarget = z.strictObject({
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535).default(22),
  user: z.string().min(1),
  key: z.string().min(1).optional(),
  known_hosts: z.string().min(1).optional(),
});

const transport = z
  .discriminatedUnion('type', [
    z.strictObject({ type: z.literal('local') }),
    z.strictObject({ type: z.literal('ssh'), ssh: sshTarget }),
  ])
  .default({ type: 'local' });

export const commandSchema = z.strictObject({
  name: z.string().min(1),
  run: z.string().min(1),
  timeout: duration.default(300_000),
  /** Relative to the task's worktree; never outside it. */
  workdir: z.string().optional(),
  env: z.record(z.string(), z.string()).default({}),
  transport,
});

const customDeploy = z.strictObject({ commands: z.array(commandSchema).min(1) });

const composeDeploy = z.strictObject({
  file: z.string().min(1).default('docker-compose.yml'),
  env_file: z.string().min(1).optional(),
  project_name: z.string().min(1).optional(),
  /** Services to bring up; all when empty. */
  services: z.array(z.string().min(1)).default([]),
  build: z.boolean().default(false),
  timeout: duration.default(600_000),
});

/**
 * Only methods Rig really runs. terraform/ansible/k8s are refused at validation rather than
 * "succeeding" without doing anything.
 */
const deployTarget = z.discriminatedUnion('method', [
  z.strictObject({ method: z.literal('custom'), config: customDeploy }),
  z.strictObject({ method: z.literal('docker-compose'), config: composeDeploy }),
]);

const rollback = z
  .strictObject({
    enabled: z.boolean().default(true),
    method: z.literal('custom').default('custom'),
    config: customDeploy,
  })
  .optional();

export const deploySchema = z
  .intersection(
    deployTarget,
    z.object({
      infra_files: z.array(z.string().min(1)).default([]),
      infra_readonly: z.array(z.string().min(1)).default([]),
      approval: z.strictObject({ timeout: duration.default(86_400_000) }).default({ timeout: 86_400_000 }),
      rollback,
    }),
  );

const testSchema = z.strictObject({
  type: z.literal('command'),
  name: z.string().min(1),
  run: z.string().min(1),
  timeout: duration.default(300_000),
  workdir: z.string().optional(),
  env: z.record(z.string(), z.string()).default({}),
  affected_paths: z.array(z.string().min(1)).optional(),
});

export const PROVIDERS = ['anthropic', 'openai', 'ollama', 'claude-code'] as const;

const aiSchema = z.strictObject({
  provider: z.enum(PROVIDERS),
  model: z.string().min(1).optional(),
  api_key: z.string().optional(),
  base_url: z.string().url().optional(),
  /** Fix attempts after the first failure; never unlimited. */
  max_retry: z.number().int().min(0).max(20).default(3),
  max_turns: z.number().int().min(1).max(500).default(40),
  max_tokens: z.number().int().min(256).max(128_000).default(16_000),
});

const triggerSchema = z.strictObject({
  event: z.enum(['issues.opened', 'issues.labeled', 'issue_comment.created']),
  labels: z.array(z.string().min(1)).optional(),
  keyword: z.string().min(1).optional(),
});

export const STEP_NAMES = ['code', 'deploy', 'test', 'report'] as const;

const workflowSchema = z.strictObject({
  trigger: z.array(triggerSchema).default([]),
  steps: z.array(z.enum(STEP_NAMES)).min(1).default(['code', 'deploy', 'test', 'report']),
  approval: z.strictObject({ before_deploy: z.boolean().default(false) }).default({ before_deploy: false }),
  /** Branch per task; `${ISSUE_NUMBER}` is the only variable allowed here. */
  branch: z.string().default('rig/issue-${ISSUE_NUMBER}'),
  draft_pr: z.boolean().default(true),
});

const policySchema = z
  .strictObject({
    name: z.string().min(1),
    rule: z.enum(['max_file_changes', 'require_tests', 'blocked_paths', 'max_retries']),
    value: z.union([z.string(), z.number()]).transform(String).optional(),
    action: z.enum(['block', 'warn']).default('block'),
  })
  .superRefine((p, ctx) => {
    if (p.rule !== 'require_tests' && (p.value === undefined || p.value === '')) {
      ctx.addIssue({ code: 'custom', path: ['value'], message: `rule ${p.rule} needs a value` });
    }
    if ((p.rule === 'max_file_changes' || p.rule === 'max_retries') && p.value !== undefined && !/^\d+$/.test(p.value)) {
      ctx.addIssue({ code: 'custom', path: ['value'], message: `rule ${p.rule} needs a whole number, got ${JSON.stringify(p.value)}` });
    }
  });

export const NOTIFY_EVENTS = ['deploy', 'test_fail', 'test_pass', 'pr_created', 'failed', 'awaiting_approval', 'all'] as const;

const notifySchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('comment'), on: z.array(z.enum(NOTIFY_EVENTS)).default(['all']) }),
  z.strictObject({ type: z.literal('slack'), webhook: z.string().url(), on: z.array(z.enum(NOTIFY_EVENTS)).default(['all']) }),
  z.strictObject({ type: z.literal('discord'), webhook: z.string().url(), on: z.array(z.enum(NOTIFY_EVENTS)).default(['all']) }),
]);

const REPO_RE = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;

const projectEntry = z.strictObject({
  name: z.string().min(1),
  platform: z.literal('github').default('github'),
  repo: z.string().regex(REPO_RE, 'expected "owner/name"'),
  base_branch: z.string().min(1).default('main'),
  path: z.string().optional(),
});

const serverSchema = z.strictObject({
  port: z.number().int().min(1).max(65535).default(8080),
  host: z.string().default('127.0.0.1'),
  secret: z.string().optional(),
});

export const rigConfigSchema = z.strictObject({
  project: z.strictObject({ name: z.string().min(1), language: z.string().optional() }).optional(),
  source: z
    .strictObject({
      platform: z.literal('github').default('github'),
      repo: z.string().regex(REPO_RE, 'expected "owner/name"'),
      base_branch: z.string().min(1).default('main'),
      token: z.string().optional(),
      api_url: z.string().url().optional(),
    })
    .optional(),
  ai: aiSchema.optional(),
  deploy: deploySchema.optional(),
  test: z.array(testSchema).default([]),
  workflow: workflowSchema.default(workflowSchema.parse({})),
  policies: z.array(policySchema).default([]),
  notify: z.array(notifySchema).default([]),
  projects: z.array(projectEntry).optional(),
  server: serverSchema.optional(),
});

export type RigConfig = z.infer<typeof rigConfigSchema>;
export type CommandConfig = z.infer<typeof commandSchema>;
export type DeployConfig = z.infer<typeof deploySchema>;
export type TestConfig = z.infer<typeof testSchema>;
export type AiConfig = z.infer<typeof aiSchema>;
export type PolicyConfig = z.infer<typeof policySchema>;
export type NotifyConfig = z.infer<typeof notifySchema>;
export type NotifyEventName = (typeof NOTIFY_EVENTS)[number];
export type SshTarget = z.infer<typeof sshTarget>;
export type Transport = z.infer<typeof transport>;
