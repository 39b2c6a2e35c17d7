import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_FILES, demoScript } from '../../src/fakes/demo-script';
import { startScenario } from '../helpers/cli-harness';
import { startSshd, type SshdServer } from '../helpers/sshd';

// A whole task whose deploy runs over real SSH (Debian's sshd on 127.0.0.1), with an issue title
// built to break out of the remote shell.
let sshd: SshdServer;
beforeAll(async () => {
  sshd = await startSshd();
});
afterAll(async () => {
  await sshd?.stop();
});

const HOSTILE_TITLE = `clamp'; touch CANARY_DIR/pwned; echo '$(touch CANARY_DIR/pwned2)"; touch CANARY_DIR/pwned3; #`;

describe('rig exec with an SSH deploy', () => {
  it('deploys over SSH with host keys checked, and a hostile title reaches the remote command as text', async () => {
    const remoteDir = path.join(sshd.dir, 'remote');
    const title = HOSTILE_TITLE.replaceAll('CANARY_DIR', remoteDir);
    const rigYaml = `
ai: { provider: anthropic, model: claude-sonnet-5, max_retry: 3 }
deploy:
  method: custom
  config:
    commands:
      - name: remote-deploy
        run: mkdir -p ${remoteDir} && printf '%s' "\${ISSUE_TITLE}" > ${remoteDir}/title && echo \${ISSUE_TITLE} > ${remoteDir}/unquoted && echo deployed \${BRANCH_NAME}
        timeout: 30s
        transport:
          type: ssh
          ssh:
            host: 127.0.0.1
            port: ${sshd.port}
            user: ${sshd.user}
            key: ${sshd.clientKey}
            known_hosts: ${sshd.knownHosts}
test:
  - type: command
    name: unit
    run: node --test test/
    timeout: 60s
`;
    const s = await startScenario({ files: DEMO_FILES, rigYaml, issues: [{ number: 1, title, body: 'Add clamp to src/price.js', labels: ['rig'] }], script: demoScript, executable: ['scripts/deploy.sh'] });
    try {
      const r = await s.rig(['exec', s.issueUrl()]);
      expect(r.code, r.stderr + r.stdout).toBe(0);
      expect(readFileSync(path.join(remoteDir, 'title'), 'utf8')).toBe(title);
      expect(readFileSync(path.join(remoteDir, 'unquoted'), 'utf8').trim()).toBe(title.replace(/\s+/g, ' ').trim());
      for (const canary of ['pwned', 'pwned2', 'pwned3']) expect(existsSync(path.join(remoteDir, canary)), canary).toBe(false);
      expect(s.github.pullRequests('acme/shop')).toHaveLength(1);
    } finally {
      await s.close();
    }
  });

  it('refuses to deploy to a host whose key is not in known_hosts', async () => {
    const rigYaml = `
ai: { provider: anthropic, model: claude-sonnet-5 }
deploy:
  method: custom
  config:
    commands:
      - name: remote-deploy
        run: echo should-not-run
        transport:
          type: ssh
          ssh: { host: 127.0.0.1, port: ${sshd.port}, user: ${sshd.user}, key: ${sshd.clientKey}, known_hosts: /dev/null }
test:
  - { type: command, name: unit, run: "node --test test/" }
`;
    const s = await startScenario({ files: DEMO_FILES, rigYaml, issues: [{ number: 1, title: 'Add clamp', body: 'Add clamp to src/price.js', labels: ['rig'] }], script: demoScript, executable: ['scripts/deploy.sh'] });
    try {
      const r = await s.rig(['exec', s.issueUrl()]);
      expect(r.code).toBe(1);
      const [task] = await s.statusJson();
      expect(task!.status).toBe('failed');
      expect(task!.status_reason).toMatch(/host key|known_hosts/i);
      expect(s.github.pullRequests('acme/shop')).toHaveLength(0);
    } finally {
      await s.close();
    }
  });
});
