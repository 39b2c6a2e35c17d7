import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_FILES, DEMO_ISSUE, DEMO_RIG_YAML, demoScript } from '../../src/fakes/demo-script';
import { startScenario, type Scenario } from '../helpers/cli-harness';

const RIG_YAML = DEMO_RIG_YAML.replace('repo: demo/shop', 'repo: acme/shop');
const require = createRequire(import.meta.url);
const EXAMPLES = require('@octokit/webhooks-examples/api.github.com/index.json') as Array<{ name: string; examples: Array<Record<string, any>> }>;

/** GitHub's recorded `issues` payload for `action`, as if sent for acme/shop#1 by `sender`. */
function payloadFile(action: string, o: { sender?: string; label?: string } = {}): string {
  const p = structuredClone(EXAMPLES.find((d) => d.name === 'issues')!.examples.find((e) => e.action === (action === 'closed' ? 'reopened' : action))!);
  p.action = action;
  p.repository.full_name = 'acme/shop';
  p.repository.html_url = 'https://github.com/acme/shop';
  p.issue.number = 1;
  p.issue.state = action === 'closed' ? 'closed' : 'open';
  p.sender.login = o.sender ?? 'acme';
  if (o.label) p.label = { name: o.label };
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'rig-payload-')), `${action}.json`);
  writeFileSync(file, JSON.stringify(p, null, 2));
  return file;
}

let scenario: Scenario | undefined;
afterEach(async () => {
  await scenario?.close();
  scenario = undefined;
});

const start = async () =>
  (scenario = await startScenario({ files: DEMO_FILES, rigYaml: RIG_YAML, issues: [DEMO_ISSUE], script: demoScript, executable: ['scripts/deploy.sh'], env: { DEMO_DEPLOY_DIR: '/tmp/rig-test-deploy' } }));

describe('rig webhook', () => {
  it('--dry-run names the trigger, the issue and who asked, and writes nothing anywhere', async () => {
    const s = await start();
    const r = await s.rig(['webhook', '--event', 'issues', '--payload', payloadFile('labeled', { label: 'rig' }), '--dry-run']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('DRY RUN — nothing was started or written.');
    expect(r.stdout).toContain('issues.labeled for acme/shop#1 (project demo-shop)');
    expect(r.stdout).toContain('trigger: issues.labeled (labels rig)');
    expect(r.stdout).toContain('by: acme — acme has admin access');
    expect(s.github.requests.filter((q) => q.method !== 'GET')).toEqual([]);
    expect(existsSync(path.join(s.repo.work, '.git', 'rig'))).toBe(false);
    expect(s.repo.git('status', '--porcelain')).toBe('');
  });

  it('--dry-run says why nothing would happen', async () => {
    const s = await start();
    const closed = await s.rig(['webhook', '--event', 'issues', '--payload', payloadFile('closed'), '--dry-run']);
    expect(closed.stdout.trim()).toBe('issues.closed: ignored: no trigger matches issues.closed');
    const wrongLabel = await s.rig(['webhook', '--event', 'issues', '--payload', payloadFile('labeled', { label: 'docs' }), '--dry-run']);
    expect(wrongLabel.stdout.trim()).toBe('issues.labeled: ignored: no trigger matches issues.labeled: label "docs" is not one of rig');
    const reader = await s.rig(['webhook', '--event', 'issues', '--payload', payloadFile('labeled', { label: 'rig', sender: 'mallory' }), '--dry-run']);
    expect(reader.stdout).toMatch(/^issues\.labeled: ignored: mallory may not start runs: read access to acme\/shop/);
    expect([closed.code, wrongLabel.code, reader.code]).toEqual([0, 0, 0]);
    expect(existsSync(path.join(s.repo.work, '.git', 'rig'))).toBe(false);
  });

  it('replays a payload into a run, through the same rules as a delivery', async () => {
    const s = await start();
    const r = await s.rig(['webhook', '--event', 'issues', '--payload', payloadFile('labeled', { label: 'rig' })]);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toMatch(/completed — pull request https:\/\/github.com\/acme\/shop\/pull\/\d+/);
    expect(s.github.pullRequests('acme/shop')).toHaveLength(1);
    const [task] = await s.statusJson();
    expect(task).toMatchObject({ status: 'completed' });
  });

  it('refuses a payload file it cannot use, with the reason', async () => {
    const s = await start();
    const garbled = path.join(mkdtempSync(path.join(os.tmpdir(), 'rig-payload-')), 'bad.json');
    writeFileSync(garbled, '{"action": ');
    const bad = await s.rig(['webhook', '--event', 'issues', '--payload', garbled]);
    expect(bad).toMatchObject({ code: 2, stderr: `rig: ${garbled} is not valid JSON\n` });
    const unknown = await s.rig(['webhook', '--event', 'issue', '--payload', payloadFile('labeled', { label: 'rig' })]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown event "issue"');
    const missing = await s.rig(['webhook', '--event', 'issues', '--payload', '/nonexistent/payload.json']);
    expect(missing).toMatchObject({ code: 2, stderr: 'rig: cannot read /nonexistent/payload.json: no such file\n' });
  });
});
