import type { ConfigProblem } from './errors';
import type { RigConfig } from './schema';
import { formatPath, type PathSegment, type YamlSource } from './yaml-source';

// Valid settings that are still probably not what was meant. They load, with a warning.

export interface RuntimeRef {
  path: PathSegment[];
  name: string;
}

const SECRET_FIELDS: Array<{ path: PathSegment[]; example: string }> = [
  { path: ['source', 'token'], example: '${GITHUB_TOKEN}' },
  { path: ['ai', 'api_key'], example: '${ANTHROPIC_API_KEY}' },
  { path: ['server', 'secret'], example: '${WEBHOOK_SECRET}' },
];

/**
 * Where the runners fill runtime variables in: deploy and test settings and the branch name, plus
 * the `x-` anchors those settings may be built from.
 */
const takesRuntimeVars = (path: readonly PathSegment[]): boolean =>
  path[0] === 'deploy' ||
  path[0] === 'test' ||
  (path[0] === 'workflow' && path[1] === 'branch') ||
  String(path[0]).startsWith('x-');

/** What the engine uses when rig.yaml has no ai section. */
const DEFAULT_MAX_RETRY = 3;

export function lintConfig(
  config: RigConfig,
  facts: { source: YamlSource; envPaths: ReadonlyMap<string, readonly string[]>; runtimeRefs: readonly RuntimeRef[] },
): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  const warn = (path: PathSegment[], message: string) =>
    out.push({ path: formatPath(path), message, ...facts.source.locate(path) });

  const values: Record<string, string | undefined> = {
    'source.token': config.source?.token,
    'ai.api_key': config.ai?.api_key,
    'server.secret': config.server?.secret,
  };
  for (const field of SECRET_FIELDS) {
    const key = formatPath(field.path);
    if (values[key] && !facts.envPaths.has(key)) {
      warn(field.path, `a secret written into rig.yaml ends up in git history; reference an environment variable instead, such as ${field.example}`);
    }
  }

  for (const ref of facts.runtimeRefs) {
    if (!takesRuntimeVars(ref.path)) {
      warn(ref.path, `\${${ref.name}} stays as written here: runtime variables are filled in only in deploy and test settings`);
    }
  }

  const maxRetry = config.ai?.max_retry ?? DEFAULT_MAX_RETRY;
  config.policies.forEach((p, i) => {
    if (p.rule === 'require_tests' && config.test.length === 0) {
      warn(['policies', i], `policy ${p.name} will ${p.action === 'block' ? 'block' : 'warn about'} every task: no test entries are configured`);
    }
    if (p.rule === 'max_retries' && maxRetry > Number(p.value)) {
      warn(['policies', i], `policy ${p.name} will ${p.action === 'block' ? 'block' : 'warn about'} every task: ai.max_retry is ${maxRetry}, above its value ${p.value}`);
    }
  });
  return out;
}
