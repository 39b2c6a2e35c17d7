import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/core/config/load';
import { readConfigFile } from '../../src/runtime/workspace';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

describe('commands checked at load', () => {
  const yaml = 'test:\n  - type: command\n    name: t\n    run: echo $((${ISSUE_TITLE} + 1))\n';

  it('reports a command the runner would refuse, with its line, when a checker is given', () => {
    expect(() => loadConfig(yaml, { env: {}, checkCommand: (run) => (run.includes('$((') ? 'no arithmetic' : null) })).toThrow(
      /rig\.yaml:4:10 test\[0\]\.run: no arithmetic/,
    );
    expect(loadConfig(yaml, { env: {} }).config.test).toHaveLength(1);
  });

  it('uses the real runner rules when reading a file', async () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'rig-cfg-')), 'rig.yaml');
    writeFileSync(file, yaml);
    const err = await readConfigFile(file, {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toMatch(/bash would evaluate its value as code/);
  });
});
