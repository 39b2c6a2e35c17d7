import { z } from 'zod';

// The whole rig.yaml. Every example of the original README loads as written; fields that Rig adds
// beyond it are optional with defaults, so a minimal file stays minimal. Every object is strict:
// a misspelt key (`timout:`) is an error, never a setting that silently does nothing.
//
// Messages here say what is expected; the loader adds what was found (and never echoes a value
// that came from the environment, which may be a secret).

const DURATION_RE = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
/** Node timers overflow above 2^31-1 ms and then fire at once, which would turn a long timeout into none. */
const MAX_DURATION_MS = 2_147_483_647;
const DURATION_HINT = 'expected a positive duration such as "120s", "5m" or "24h"';

/** "120s", "5m", "24h", or a bare number of seconds, as milliseconds. */
export const duration = z
  .union([z.string(), z.number()], { error: DURATION_HINT })
  .transform((value, ctx) => {
    let ms: number | undefined;
    if (typeof value === 'number') {
      if (value > 0 && Number.isFinite(value)) ms = Math.round(value * 1000);
    } else {
      const m = DURATION_RE.exec(value.trim());
      if (m && Number(m[1]) > 0) ms = Math.round(Number(m[1]) * UNIT_MS[m[2]!]!);
    }
    if (ms === undefined || ms < 1) {
      ctx.addIssue({ code: 'custom', message: DURATION_HINT, input: value });
      return z.NEVER;
    }
    if (ms > MAX_DURATION_MS) {
      ctx.addIssue({ code: 'custom', message: 'duration is too long: at most 24d', input: value });
      return z.NEVER;
    }
    return ms;
  });

const ENV_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** YAML writes `PORT: 8080` as a number; a process environment only holds text. */
const envMap = z
  .record(
    z.string().regex(ENV_NAME_RE, 'environment variable names are letters, digits and _, not starting with a digit'),
    z.union([z.string(), z.number(), z.boolean()], { error: 'expected text, a number or true/false' }).transform(String),
  )
  .default({});

/** Commands run inside the task's worktree; a workdir must not lead out of it. */
const workdir = z
  .string()
  .min(1)
  .refine((p) => !/^(?:[/\\]|[A-Za-z]:)/.test(p) && !p.split(/[/\\]/).includes('..'), {
    message: 'must be a relative path inside the worktree (no leading / and no ..)',
  });

const sshTarget = z.strictObject({
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535).default(22),
  user: z.string().min(1),
  key: z.string().min(1).optional(),
  known_hosts: z.string().min(1).optional(),
});

const transport = z
  .discriminatedUnion(
    'type',
    [z.strictObject({ type: z.literal('local') }), z.strictObject({ type: z.literal('ssh'), ssh: sshTarget })],
    { error: (iss) => (iss.code === 'invalid_union' ? 'expected transport type local or ssh' : undefined) },
  )
  .prefault({ type: 'local' });

export const commandSchema = z.strictObject({
  name: z.string().min(1),
  run: z.string().min(1),
  timeout: duration.default(300_000),
  /** Relative to the task's worktree; never outside it. */
  workdir: workdir.optional(),
  env: envMap,
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

const rollback = z
  .strictObject({
    enabled: z.boolean().default(true),
    method: z.literal('custom', { error: 'rollback runs custom commands: expected method custom' }).default('custom'),
    config: customDeploy,
  })
  .optional();

/** What every deploy method shares, spread into each so each stays one strict object. */
const deployCommon = {
  infra_files: z.array(z.string().min(1)).default([]),
  infra_readonly: z.array(z.string().min(1)).default([]),
  approval: z.strictObject({ timeout: duration.default(86_400_000) }).prefault({}),
  rollback,
};

export const DEPLOY_METHODS = ['custom', 'docker-compose'] as const;

/**
 * Only methods Rig really runs. terraform/ansible/k8s are refused at validation rather than
 * "succeeding" without doing anything; their tools can still run as custom commands.
 */
const deployTarget = z.discriminatedUnion(
  'method',
  [
    z.strictObject({ method: z.literal('custom'), config: customDeploy, ...deployCommon }),
    // Every compose setting has a default, so `method: docker-compose` alone is a complete deploy.
    z.strictObject({ method: z.literal('docker-compose'), config: composeDeploy.prefault({}), ...deployCommon }),
  ],
  {
    error: (iss) =>
      iss.code === 'invalid_union'
        ? `is not a deploy method Rig implements; use ${DEPLOY_METHODS.join(' or ')} ` +
          '(other tools such as terraform, ansible or kubectl run as commands of method custom)'
        : undefined,
  },
);

/** The README's own known_hosts example leaves `method` out: a list of commands is the custom method. */
export const deploySchema = z.preprocess(
  (v) => (v !== null && typeof v === 'object' && !Array.isArray(v) && !('method' in v) ? { method: 'custom', ...v } : v),
  deployTarget,
);

const testSchema = z.strictObject({
  type: z.literal('command', { error: 'expected type command, the only kind of test Rig runs' }).default('command'),
  name: z.string().min(1),
  run: z.string().min(1),
  timeout: duration.default(300_000),
  workdir: workdir.optional(),
  env: envMap,
  affected_paths: z.array(z.string().min(1)).optional(),
});

/** Results are reported by name; two tests with one name would hide one of them. */
const testList = z
  .array(testSchema)
  .superRefine((tests, ctx) => {
    const seen = new Set<string>();
    tests.forEach((t, i) => {
      if (seen.has(t.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `another test is already named "${t.name}"` });
      seen.add(t.name);
    });
  })
  .default([]);

export const PROVIDERS = ['anthropic', 'openai', 'ollama', 'claude-code'] as const;

const budgetSchema = z.strictObject({
  /** Model calls per task, over every phase and attempt. */
  max_calls: z.number().int().min(1).max(10_000).default(200),
  max_input_tokens: z.number().int().min(1).default(5_000_000),
  max_output_tokens: z.number().int().min(1).default(500_000),
  max_cost_usd: z.number().positive().default(20),
  /** Wall time of a whole task, waiting for approvals excluded. */
  max_wall_time: duration.default(3_600_000),
});

const priceSchema = z.strictObject({
  input: z.number().min(0),
  output: z.number().min(0),
  cache_write: z.number().min(0).optional(),
  cache_read: z.number().min(0).optional(),
});

const aiSchema = z
  .strictObject({
    provider: z.enum(PROVIDERS),
    model: z.string().min(1).optional(),
    api_key: z.string().optional(),
    base_url: z.url().optional(),
    /** Fix attempts after the first failure; never unlimited. */
    max_retry: z.number().int().min(0).max(20).default(3),
    max_turns: z.number().int().min(1).max(500).default(40),
    max_tokens: z.number().int().min(256).max(128_000).default(16_000),
    /** How the model edits: the text-editor tool, or whole files (for weak local models). */
    edit_format: z.enum(['editor', 'whole_file']).optional(),
    /** The AI reviews each diff before it is committed; deterministic checks override it. */
    review: z.boolean().default(false),
    /** Hard limits per task; reaching one stops the task with a clear status and message. */
    budget: budgetSchema.default(budgetSchema.parse({})),
    /** USD per million tokens, keyed by model id prefix; overrides the built-in table. */
    prices: z.record(z.string().min(1), priceSchema).default({}),
  })
  .superRefine((ai, ctx) => {
    // Ollama has no default model: it serves whichever ones the user pulled.
    if (ai.provider === 'ollama' && !ai.model) {
      ctx.addIssue({ code: 'custom', path: ['model'], message: 'provider ollama needs a model, the name of one installed in Ollama' });
    }
  });

const triggerSchema = z
  .strictObject({
    event: z.enum(['issues.opened', 'issues.labeled', 'issue_comment.created']),
    labels: z.array(z.string().min(1)).optional(),
    keyword: z.string().min(1).optional(),
  })
  .superRefine((t, ctx) => {
    // Without a keyword every comment, Rig's own progress comments included, would start a task.
    if (t.event === 'issue_comment.created' && !t.keyword) {
      ctx.addIssue({ code: 'custom', path: ['keyword'], message: 'event issue_comment.created needs a keyword, such as "[rig]"' });
    }
  });

export const STEP_NAMES = ['code', 'deploy', 'test', 'report'] as const;

const BRANCH_VARIABLE = '${ISSUE_NUMBER}';

/** The subset of git-check-ref-format rules a template can break. */
function branchProblem(template: string): string | undefined {
  const others = (template.match(/\$\{[^}]*\}/g) ?? []).filter((ref) => ref !== BRANCH_VARIABLE);
  if (others.length) {
    return `${others[0]} cannot be used here: ${BRANCH_VARIABLE} is the only value known when the branch is created`;
  }
  const name = template.replaceAll(BRANCH_VARIABLE, '1');
  const bad =
    /[\s~^:?*[\\\x00-\x1f\x7f]/.test(name) ||
    name.includes('..') ||
    name.includes('@{') ||
    name.includes('//') ||
    /^[-/.]|[/.]$|\.lock$|\/\./.test(name);
  return bad ? 'is not a valid git branch name' : undefined;
}

const workflowSchema = z.strictObject({
  trigger: z.array(triggerSchema).default([]),
  steps: z.array(z.enum(STEP_NAMES)).min(1).default(['code', 'deploy', 'test', 'report']),
  approval: z.strictObject({ before_deploy: z.boolean().default(false) }).prefault({}),
  /** Branch per task; `${ISSUE_NUMBER}` is the only variable allowed here. */
  branch: z
    .string()
    .min(1)
    .superRefine((b, ctx) => {
      const problem = branchProblem(b);
      if (problem) ctx.addIssue({ code: 'custom', message: problem, input: b });
    })
    .default('rig/issue-${ISSUE_NUMBER}'),
  draft_pr: z.boolean().default(true),
});

export const POLICY_RULES = ['max_file_changes', 'require_tests', 'blocked_paths', 'max_retries'] as const;

const policySchema = z
  .strictObject({
    name: z.string().min(1),
    rule: z.enum(POLICY_RULES),
    value: z.union([z.string(), z.number()], { error: 'expected text or a number' }).transform(String).optional(),
    action: z.enum(['block', 'warn']).default('block'),
  })
  .superRefine((p, ctx) => {
    if (p.rule !== 'require_tests' && (p.value === undefined || p.value.trim() === '')) {
      ctx.addIssue({ code: 'custom', path: ['value'], message: `rule ${p.rule} needs a value` });
      return;
    }
    if ((p.rule === 'max_file_changes' || p.rule === 'max_retries') && !/^\d+$/.test(p.value!.trim())) {
      ctx.addIssue({ code: 'custom', path: ['value'], message: `rule ${p.rule} needs a whole number` });
    }
    if (p.rule === 'blocked_paths' && !p.value!.split(',').some((s) => s.trim())) {
      ctx.addIssue({ code: 'custom', path: ['value'], message: 'rule blocked_paths needs comma-separated patterns such as "*.env,secrets/"' });
    }
  });

export const NOTIFY_EVENTS = ['deploy', 'test_fail', 'test_pass', 'pr_created', 'failed', 'awaiting_approval', 'all'] as const;

const notifyOn = z.array(z.enum(NOTIFY_EVENTS)).min(1).default(['all']);

const notifySchema = z.discriminatedUnion(
  'type',
  [
    z.strictObject({ type: z.literal('comment'), on: notifyOn }),
    z.strictObject({ type: z.literal('slack'), webhook: z.url(), on: notifyOn }),
    z.strictObject({ type: z.literal('discord'), webhook: z.url(), on: notifyOn }),
  ],
  { error: (iss) => (iss.code === 'invalid_union' ? 'expected notify type comment, slack or discord' : undefined) },
);

const REPO_RE = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;

const projectEntry = z.strictObject({
  name: z.string().min(1),
  platform: z.literal('github').default('github'),
  repo: z.string().regex(REPO_RE, 'expected "owner/name"'),
  base_branch: z.string().min(1).default('main'),
  path: z.string().optional(),
});

const serverSchema = z.strictObject({
  /** Webhook receiver port (`rig run`). */
  port: z.number().int().min(1).max(65535).default(8080),
  /** Dashboard and API port (`rig web`). */
  web_port: z.number().int().min(1).max(65535).default(3000),
  /** Loopback unless told otherwise; binding wider requires api_key. */
  host: z.string().default('127.0.0.1'),
  /** The GitHub webhook secret; without it `rig run` refuses to start unless --insecure-no-signature. */
  secret: z.string().optional(),
  /** Key for /api/* (Bearer or X-API-Key); required when bound beyond loopback. */
  api_key: z.string().optional(),
  /** Origins allowed to call the API from a browser; same-origin only when empty. */
  cors_origins: z.array(z.string().min(1)).default([]),
  /** Host names the server answers to besides the bound host, localhost and 127.0.0.1. */
  allowed_hosts: z.array(z.string().min(1)).default([]),
  /** Trust X-Forwarded-For (only behind a proxy you run). */
  trust_proxy: z.boolean().default(false),
  rate_limit_per_minute: z.number().int().min(1).max(100_000).default(120),
  /** GitHub users who may start runs besides those with write access; checked after the API. */
  allow_users: z.array(z.string().min(1)).default([]),
  /** Polling instead of webhooks: how often to look for labelled issues. */
  poll_interval_seconds: z.number().int().min(10).max(86_400).optional(),
  slack_signing_secret: z.string().optional(),
  discord_public_key: z.string().regex(/^[0-9a-fA-F]{64}$/, 'expected the 64-hex-digit public key of the Discord application').optional(),
  /** Chat users (Slack user ids / Discord user ids) who may exec, approve and reject. */
  chatops_allow_users: z.array(z.string().min(1)).default([]),
});

export const rigConfigSchema = z.strictObject({
  project: z.strictObject({ name: z.string().min(1), language: z.string().optional() }).optional(),
  source: z
    .strictObject({
      platform: z.literal('github').default('github'),
      repo: z.string().regex(REPO_RE, 'expected "owner/name"'),
      base_branch: z.string().min(1).default('main'),
      token: z.string().optional(),
      api_url: z.url().optional(),
    })
    .optional(),
  ai: aiSchema.optional(),
  deploy: deploySchema.optional(),
  test: testList,
  workflow: workflowSchema.prefault({}),
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
export type BudgetConfig = z.infer<typeof budgetSchema>;
export type PolicyConfig = z.infer<typeof policySchema>;
export type NotifyConfig = z.infer<typeof notifySchema>;
export type NotifyEventName = (typeof NOTIFY_EVENTS)[number];
export type SshTarget = z.infer<typeof sshTarget>;
export type Transport = z.infer<typeof transport>;
