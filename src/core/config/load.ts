import { ConfigError, formatProblem, type ConfigProblem } from './errors';
import { issueMessages, problemsFromIssues } from './issues';
import { lintConfig } from './lint';
import { rigConfigSchema, type RigConfig } from './schema';
import { retypeWholeRefs, substituteEnv } from './substitute';
import { formatPath, YamlSource, type PathSegment } from './yaml-source';

export { ConfigError, type ConfigProblem } from './errors';

export interface LoadOptions {
  /** The environment `${NAME}` references are read from; passed in so the core never reads the process's own. */
  env: Record<string, string | undefined>;
  /** Name used in messages, `rig.yaml` when absent. */
  file?: string;
  /**
   * Checks one deploy/test command as the runner will see it; returns the problem or null. The
   * runner lives outside the core, so the check is passed in.
   */
  checkCommand?: (run: string) => string | null;
}

export interface LoadedConfig {
  config: RigConfig;
  /** Valid settings that are probably a mistake, each with its file, line and field. */
  warnings: string[];
}

/** Validates, retrying once with `${NAME}` values retyped where a number or true/false was expected. */
function validate(data: unknown, wholeRefs: Set<string>) {
  const result = rigConfigSchema.safeParse(data, { error: issueMessages });
  if (result.success) return result;
  const typed = result.error.issues
    .filter((i) => i.code === 'invalid_type')
    .map((i) => ({ path: i.path.map((s): PathSegment => (typeof s === 'number' ? s : String(s))), expected: String(i.expected) }));
  return retypeWholeRefs(data, typed, wholeRefs) ? rigConfigSchema.safeParse(data, { error: issueMessages }) : result;
}

/** Parses and validates rig.yaml text; throws ConfigError listing every problem with its line. */
export function loadConfig(text: string, opts: LoadOptions): LoadedConfig {
  const file = opts.file ?? 'rig.yaml';
  const fail = (problems: ConfigProblem[]): never => {
    throw new ConfigError(file, problems);
  };

  const source = YamlSource.parse(text);
  const syntax = source.errors();
  if (syntax.length) return fail(syntax.map((e) => ({ path: '', message: `YAML syntax: ${e.message}`, ...e.position })));
  if (source.isEmpty()) return fail([{ path: '', message: 'the file is empty; "rig init" writes a commented template' }]);
  if (!source.rootIsMap()) {
    return fail([{ path: '', message: 'expected a mapping of settings (project:, source:, ai:, …) at the top level', ...source.locate([]) }]);
  }

  const substitution = substituteEnv(source, text, opts.env);
  if (substitution.problems.length) return fail(substitution.problems);

  let data: unknown;
  try {
    data = source.toJS();
  } catch (err) {
    // The yaml package refuses documents whose aliases would expand without bound.
    return fail([{ path: '', message: err instanceof Error ? err.message : String(err) }]);
  }

  // Top-level `x-` keys hold YAML anchors for reuse, as in docker compose files; Rig ignores them.
  for (const key of Object.keys(data as object)) if (key.startsWith('x-')) delete (data as Record<string, unknown>)[key];

  const result = validate(data, substitution.wholeRefs);
  if (!result.success) {
    return fail(problemsFromIssues(result.error.issues, { schema: rigConfigSchema, source, data, envPaths: substitution.envPaths }));
  }

  if (opts.checkCommand) {
    const problems = commandPaths(result.data).flatMap(({ path, run }) => {
      const message = opts.checkCommand!(run);
      return message ? [{ path: formatPath(path), message, ...source.locate(path) }] : [];
    });
    if (problems.length) return fail(problems);
  }

  const warnings = [
    ...source.warnings().map((w) => ({ path: '', message: `YAML: ${w.message}`, ...w.position })),
    ...lintConfig(result.data, { source, envPaths: substitution.envPaths, runtimeRefs: substitution.runtimeRefs }),
  ].map((p) => formatProblem(file, p));
  return { config: result.data, warnings };
}

/** Every shell command in the file with its field path: deploy, rollback and test commands. */
function commandPaths(config: RigConfig): Array<{ path: PathSegment[]; run: string }> {
  const out: Array<{ path: PathSegment[]; run: string }> = [];
  const deploy = config.deploy;
  if (deploy?.method === 'custom') deploy.config.commands.forEach((c, i) => out.push({ path: ['deploy', 'config', 'commands', i, 'run'], run: c.run }));
  deploy?.rollback?.config.commands.forEach((c, i) => out.push({ path: ['deploy', 'rollback', 'config', 'commands', i, 'run'], run: c.run }));
  config.test.forEach((t, i) => out.push({ path: ['test', i, 'run'], run: t.run }));
  return out;
}
