import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_FILES, DEMO_ISSUE, DEMO_RIG_YAML, demoScript } from '../../src/fakes/demo-script';
import { startScenario, waitFor, type Scenario } from '../helpers/cli-harness';

const SECRET = 'webhook-secret-for-tests-0123456789';
const RIG_YAML = `${DEMO_RIG_YAML.replace('repo: demo/shop', 'repo: acme/shop')}
server:
  secret: \${WEBHOOK_SECRET}
`;

let scenario: Scenario | undefined;
let stop: (() => void) | undefined;
afterEach(async () => {
  stop?.();
  await scenario?.close();
  scenario = undefined;
});

function labeledPayload() {
  return {
    action: 'labeled',
    label: { name: 'rig' },
    issue: { number: 1, title: DEMO_ISSUE.title, body: DEMO_ISSUE.body, labels: [{ name: 'rig' }], user: { login: 'shop-owner' }, state: 'open', html_url: 'https://github.com/acme/shop/issues/1' },
    repository: { full_name: 'acme/shop', name: 'shop', owner: { login: 'acme' } },
    sender: { login: 'rig-bot', type: 'User' },
  };
}

describe('rig serve', () => {
  it('acknowledges a signed webhook, runs the issue, and shows the task in the API and dashboard', async () => {
    const s = (scenario = await startScenario({ files: DEMO_FILES, rigYaml: RIG_YAML, issues: [DEMO_ISSUE], script: demoScript, executable: ['scripts/deploy.sh'], env: { DEMO_DEPLOY_DIR: '/tmp/rig-test-serve', WEBHOOK_SECRET: SECRET } }));
    const server = s.spawnRig(['serve', '--port', '0', '--web-port', '0']);
    stop = () => server.kill('SIGTERM');
    const [hookUrl, webUrl] = await waitFor(async () => {
      const urls = server.output().match(/http:\/\/127\.0\.0\.1:\d+\S*/g);
      return urls && urls.length >= 2 ? urls : undefined;
    }, 'the server to print its URLs');

    const body = JSON.stringify(labeledPayload());
    const sign = (b: string) => `sha256=${createHmac('sha256', SECRET).update(b).digest('hex')}`;
    const headers = (id: string, sig: string) => ({ 'content-type': 'application/json', 'x-github-event': 'issues', 'x-github-delivery': id, 'x-hub-signature-256': sig });

    const forged = await fetch(hookUrl!, { method: 'POST', headers: headers('d-0', sign(`${body} `)), body });
    expect(forged.status).toBe(401);
    const ack = await fetch(hookUrl!, { method: 'POST', headers: headers('d-1', sign(body)), body });
    expect(ack.status).toBe(202);
    const again = await fetch(hookUrl!, { method: 'POST', headers: headers('d-1', sign(body)), body });
    expect(again.status).toBe(200);

    const done = await waitFor(async () => {
      const res = await fetch(`${webUrl}/api/tasks`);
      const json = (await res.json()) as { tasks: Array<{ status: string }> };
      return json.tasks.find((t) => t.status === 'completed');
    }, 'the task to complete', 60_000);
    expect(done).toBeTruthy();
    expect(s.github.pullRequests('acme/shop')).toHaveLength(1);
    const page = await fetch(`${webUrl}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("default-src");
    expect(await page.text()).toContain('main.js');
    // The CLI in a terminal sees the same task.
    expect((await s.statusJson()).map((t) => t.status)).toEqual(['completed']);
  });

  it('refuses to receive webhooks without a secret unless told to accept unsigned deliveries', async () => {
    const s = (scenario = await startScenario({ files: DEMO_FILES, rigYaml: DEMO_RIG_YAML.replace('repo: demo/shop', 'repo: acme/shop'), issues: [DEMO_ISSUE], script: demoScript, env: { DEMO_DEPLOY_DIR: '/tmp/rig-test-serve' } }));
    const r = await s.rig(['run', '--port', '0']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no webhook secret: set server\.secret/);
  });
});
