// The scenario behind test/e2e/dashboard-live.test.ts: a repository whose deploy fails until
// deploy/app.conf listens on 8080, an AI that plans, codes and proposes that fix, and the real
// `rig serve` running in it. The AI's replies wait at gates the test opens, so the page can be
// looked at while the task is in each phase instead of racing a run that takes a second.
import type { FakeRequest, FakeScript } from '../../src/fakes/anthropic-fake-server';
import { EDITOR, PLAN_TOOL, PROPOSAL_TOOL, create, processAlive, scriptedAi, type ScriptedAi } from '../helpers/cli-approval-safety';
import { startScenario, waitFor, type Scenario } from '../helpers/cli-harness';

export const WEBHOOK_SECRET = 'webhook-secret-for-live-dashboard-0123';
export const API_KEY = 'rig-live-key-4b9e1f07c2d85a36';

export const ISSUE = { number: 1, title: 'Add the feature file', body: 'We need src/feature.txt.', labels: ['rig'], author: 'shop-owner' };

export const FILES: Record<string, string> = {
  'README.md': '# shop\n',
  'deploy/app.conf': 'listen 80\n',
  'deploy/secret.conf': 'token=do-not-touch\n',
};

export const PLAN = { summary: 'Create src/feature.txt with the feature flag.', steps: ['Write src/feature.txt', 'Deploy and test'], files: ['src/feature.txt'] };
export const FIX = {
  summary: 'Listen on 8080',
  reason: 'The deploy log says app.conf must listen on 8080.',
  files: [{ path: 'deploy/app.conf', after: 'listen 8080\n' }],
};

/** Deploys only when deploy/app.conf listens on 8080; each run is recorded outside the repository. */
export const RIG_YAML = `source:
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
          grep -qx 'listen 8080' deploy/app.conf || { echo "bind failed: app.conf must listen on 8080" >&2; exit 1; }
        timeout: 30s
  infra_files: ["deploy/*.conf"]
  infra_readonly: ["deploy/secret.conf"]
test:
  - name: unit
    run: test -f src/feature.txt
    timeout: 30s
server:
  secret: \${WEBHOOK_SECRET}
  api_key: \${RIG_API_KEY}
`;

/** Holds the AI's reply to one kind of request until the test opens it. */
export class Gate {
  private arrive!: () => void;
  private open!: () => void;
  /** Settles when the request the gate holds has reached the AI. */
  readonly reached = new Promise<void>((r) => (this.arrive = r));
  private readonly opened = new Promise<void>((r) => (this.open = r));

  async pass(): Promise<void> {
    this.arrive();
    await this.opened;
  }

  release(): void {
    this.open();
  }
}

export interface Gates {
  plan: Gate;
  /** The first request of the first coding conversation. */
  code: Gate;
  proposal: Gate;
}

function gatedScript(ai: ScriptedAi, gates: Gates): FakeScript {
  const tools = (request: FakeRequest): string[] => (request.body.tools ?? []).map((t: { name: string }) => t.name);
  return async (request, callIndex) => {
    const names = tools(request);
    const gate = names.includes(PLAN_TOOL)
      ? gates.plan
      : names.includes(PROPOSAL_TOOL)
        ? gates.proposal
        : names.includes(EDITOR) && request.body.messages?.length === 1 && ai.conversations.length === 0
          ? gates.code
          : undefined;
    await gate?.pass();
    return ai.script(request, callIndex);
  };
}

export interface LiveServer {
  scenario: Scenario;
  ai: ScriptedAi;
  gates: Gates;
  webhookUrl: string;
  /** The dashboard's origin as `rig serve` printed it. */
  webUrl: string;
  output(): string;
  /** Opens every gate, stops the server (SIGTERM, SIGKILL after 5 s) and the fakes; how the server ended. */
  close(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `rig serve --port 0 --web-port 0` in a fresh scenario repository, once it has printed its URLs. */
export async function startLiveServer(): Promise<LiveServer> {
  const gates: Gates = { plan: new Gate(), code: new Gate(), proposal: new Gate() };
  const ai = scriptedAi({ plan: PLAN, coding: [[[create('src/feature.txt', 'feature\n')]]], proposals: [FIX] });
  const scenario = await startScenario({
    files: FILES,
    rigYaml: RIG_YAML,
    issues: [ISSUE],
    script: gatedScript(ai, gates),
    env: { WEBHOOK_SECRET, RIG_API_KEY: API_KEY },
  });
  const server = scenario.spawnRig(['serve', '--port', '0', '--web-port', '0']);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => server.once('exit', (code, signal) => resolve({ code, signal })));
  const close = async () => {
    for (const gate of Object.values(gates)) gate.release();
    if (server.exitCode === null && server.signalCode === null) {
      server.kill('SIGTERM');
      const timer = setTimeout(() => server.pid !== undefined && processAlive(server.pid) && server.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    await scenario.close();
    return exited;
  };
  try {
    const [webhookUrl, webUrl] = await waitFor(
      async () => {
        if (server.exitCode !== null) throw new Error(`rig serve exited with ${server.exitCode}:\n${server.output()}`);
        const urls = server.output().match(/^ {2}http:\/\/127\.0\.0\.1:\d+\S*$/gm);
        return urls && urls.length >= 2 ? urls.map((u) => u.trim()) : undefined;
      },
      'rig serve to print its URLs',
      15_000,
    );
    return { scenario, ai, gates, webhookUrl: webhookUrl!, webUrl: webUrl!, output: server.output, close };
  } catch (err) {
    await close();
    throw err;
  }
}
