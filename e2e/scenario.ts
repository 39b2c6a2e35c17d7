// The world the UI suite drives the extension against: a user's repository (the demo files plus
// an infrastructure file) with a bare origin, the loopback GitHub fake that knows that origin, and
// the Anthropic fake playing a scripted AI. Bundled by e2e/build.mjs into e2e/.build/scenario.mjs
// and imported by the (node 20) test process; the extension reaches the fakes over 127.0.0.1.
//
// Issue 1 "Add the feature file": the coder writes src/feature.txt; the deploy refuses it until
//   deploy/app.conf listens on 8080, so the AI proposes an infrastructure fix (awaiting approval);
//   once approved the deploy and the test pass and the task completes with a pull request.
// Issue 2 "Break the build": the coder writes src/broken.txt; the test fails on every attempt, so
//   the task fails; "Explain failure with AI" gets EXPLANATION back.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startAnthropicFake, fakeText, fakeToolUse, type AnthropicFake, type FakeReply, type FakeRequest } from '../src/fakes/anthropic-fake-server';
import { DEMO_FILES } from '../src/fakes/demo-script';
import { startGitHubFake, type GitHubFake } from '../src/fakes/github-fake-server';
import { createSampleRepo, type SampleRepo } from '../test/helpers/git-repo';

export const GITHUB_TOKEN = 'ghp_e2etoken00000000000000000000000000000';
export const ANTHROPIC_KEY = 'sk-ant-e2e-key-00000000000000000000000000';
export const EXPLANATION = 'E2E EXPLANATION: the unit test failed because src/broken.txt exists on the branch.';

export const ISSUES = [
  { number: 1, title: 'Add the feature file', body: 'We need src/feature.txt.', labels: ['rig'], author: 'shop-owner' },
  { number: 2, title: 'Break the build', body: 'Add src/broken.txt.', labels: ['rig'], author: 'shop-owner' },
];

export const PROPOSAL = {
  summary: 'Listen on 8080',
  reason: 'The deploy log says app.conf must listen on 8080.',
  files: [{ path: 'deploy/app.conf', after: 'listen 8080\n' }],
};

export const RIG_YAML = `# rig.yaml of the e2e scenario: the first deploy of issue 1 fails until app.conf listens on 8080.
project:
  name: demo-shop
  language: javascript
source:
  platform: github
  repo: acme/shop
  base_branch: main
ai:
  provider: anthropic
  model: claude-sonnet-5
  max_retry: 1
deploy:
  method: custom
  config:
    commands:
      - name: deploy
        run: |-
          echo "deploy $(cat deploy/app.conf)" >> "$GATE_DIR/deploys.log"
          if [ -f src/feature.txt ]; then grep -qx 'listen 8080' deploy/app.conf || { echo "bind failed: app.conf must listen on 8080" >&2; exit 1; }; fi
        timeout: 30s
  infra_files: ["deploy/*.conf"]
test:
  - name: unit
    run: test ! -e src/broken.txt
    timeout: 30s
workflow:
  trigger:
    - event: issues.labeled
      labels: ["rig"]
`;

const FILES: Record<string, string> = { ...DEMO_FILES, 'README.md': '# shop\n', 'deploy/app.conf': 'listen 80\n' };

const EDITOR = 'str_replace_based_edit_tool';

function firstUserText(request: FakeRequest): string {
  const content = request.body.messages?.[0]?.content;
  if (typeof content === 'string') return content;
  return (content ?? []).map((b: { type: string; text?: string }) => (b.type === 'text' ? b.text : '')).join('\n');
}

/** Which scripted answer each kind of request got, for the suite's assertions and its report. */
export interface AiLog {
  plan: number;
  code: number;
  proposal: number;
  explain: number;
  other: string[];
}

function script(log: AiLog) {
  return (request: FakeRequest): FakeReply => {
    const tools: string[] = (request.body.tools ?? []).map((t: { name: string }) => t.name);
    const text = firstUserText(request);
    const issue2 = /Break the build|broken\.txt/.test(text);
    if (tools.includes('submit_plan')) {
      log.plan++;
      return { kind: 'message', content: [fakeToolUse('submit_plan', { summary: 'Write the file the issue asks for.', steps: ['Create it'], files: [issue2 ? 'src/broken.txt' : 'src/feature.txt'] })] };
    }
    if (tools.includes('submit_infra_proposal')) {
      log.proposal++;
      return { kind: 'message', content: [fakeToolUse('submit_infra_proposal', PROPOSAL)] };
    }
    if (tools.includes(EDITOR)) {
      log.code++;
      if ((request.body.messages?.length ?? 1) > 1) return { kind: 'message', content: [fakeText('Done.')] };
      const file = issue2 ? 'src/broken.txt' : 'src/feature.txt';
      return { kind: 'message', content: [fakeText('Editing.'), fakeToolUse(EDITOR, { command: 'create', path: file, file_text: `${path.basename(file)}\n` })] };
    }
    if (!tools.length) {
      log.explain++;
      return { kind: 'message', content: [fakeText(EXPLANATION)] };
    }
    log.other.push(tools.join(','));
    return { kind: 'message', content: [fakeText('I cannot help with that.')] };
  };
}

export interface Scenario {
  repo: SampleRepo;
  github: GitHubFake;
  anthropic: AnthropicFake;
  ai: AiLog;
  issueUrl(n: number): string;
  /** Environment for the extension host (code-server passes it through). */
  env: Record<string, string>;
  deploys(): string[];
  close(): Promise<void>;
}

export async function startScenario(): Promise<Scenario> {
  const repo = createSampleRepo({ ...FILES, 'rig.yaml': RIG_YAML }, { executable: ['scripts/deploy.sh'] });
  const github = await startGitHubFake({
    token: GITHUB_TOKEN,
    viewer: 'rig-bot',
    repos: [{ owner: 'acme', name: 'shop', gitDir: repo.origin, roles: { 'rig-bot': 'write' }, issues: ISSUES }],
  });
  const ai: AiLog = { plan: 0, code: 0, proposal: 0, explain: 0, other: [] };
  const anthropic = await startAnthropicFake(script(ai), { apiKey: ANTHROPIC_KEY });
  writeFileSync(path.join(repo.dir, 'deploys.log'), '');
  return {
    repo,
    github,
    anthropic,
    ai,
    issueUrl: (n) => `https://github.com/acme/shop/issues/${n}`,
    env: {
      GITHUB_TOKEN,
      GITHUB_API_URL: github.url,
      ANTHROPIC_API_KEY: ANTHROPIC_KEY,
      ANTHROPIC_BASE_URL: anthropic.url,
      GATE_DIR: repo.dir,
      DEMO_DEPLOY_DIR: path.join(repo.dir, 'server'),
    },
    deploys: () => {
      try {
        return readFileSync(path.join(repo.dir, 'deploys.log'), 'utf8').split('\n').filter(Boolean);
      } catch {
        return [];
      }
    },
    close: async () => {
      await github.close();
      await anthropic.close();
      if (process.env.RIG_E2E_KEEP !== '1') rmSync(repo.dir, { recursive: true, force: true });
    },
  };
}
