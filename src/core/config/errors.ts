export interface ConfigProblem {
  /** Field path such as `deploy.config.commands[0].timeout`; empty for the file as a whole. */
  path: string;
  message: string;
  line?: number;
  column?: number;
}

/** `rig.yaml:12:7 deploy.config.commands[0].timeout: expected …` */
export function formatProblem(file: string, p: ConfigProblem): string {
  const where = p.line === undefined ? `${file}:` : `${file}:${p.line}${p.column === undefined ? '' : `:${p.column}`}`;
  return `${where} ${p.path ? `${p.path}: ` : ''}${p.message}`;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  constructor(
    readonly file: string,
    readonly problems: ConfigProblem[],
  ) {
    const lines = problems.map((p) => formatProblem(file, p));
    super(lines.length === 1 ? lines[0]! : `${file} has ${lines.length} problems:\n${lines.map((l) => `  ${l}`).join('\n')}`);
  }
}
