// The recorded answers the demo's AI gives. They are replayed by the local Anthropic fake, so the
// demo runs the real pipeline (real SDK, real git, real commands) without a model or a key.
import { type FakeReply, type FakeRequest, type FakeScript, fakeText, fakeToolUse } from './anthropic-fake-server';

const EDITOR = 'str_replace_based_edit_tool';

export const DEMO_FILES: Record<string, string> = {
  'package.json': `${JSON.stringify({ name: 'demo-shop', version: '1.0.0', private: true, scripts: { test: 'node --test test/' } }, null, 2)}\n`,
  'src/price.js': `'use strict';

/** Total of a cart in cents. */
function total(items) {
  return items.reduce((sum, item) => sum + item.cents * item.quantity, 0);
}

module.exports = { total };
`,
  'test/price.test.js': `'use strict';
const test = require('node:test');
const assert = require('node:assert');
const { total } = require('../src/price');

test('total adds up quantities', () => {
  assert.strictEqual(total([{ cents: 250, quantity: 2 }, { cents: 100, quantity: 1 }]), 600);
});
`,
  'test/clamp.test.js': `'use strict';
const test = require('node:test');
const assert = require('node:assert');
const { clamp } = require('../src/price');

test('clamp keeps a value inside [min, max]', () => {
  assert.strictEqual(clamp(5, 0, 10), 5);
  assert.strictEqual(clamp(-3, 0, 10), 0);
  assert.strictEqual(clamp(42, 0, 10), 10);
});
`,
  'scripts/deploy.sh': `#!/usr/bin/env bash
# Demo deploy: copies the code to a local "server" directory and records what was deployed.
set -euo pipefail
mkdir -p "$DEPLOY_DIR"
cp -r src "$DEPLOY_DIR/"
printf 'branch=%s\\ncommit=%s\\nissue=%s\\n' "$1" "$2" "$3" > "$DEPLOY_DIR/DEPLOYED"
echo "deployed $1 at $2 to $DEPLOY_DIR"
`,
};

export const DEMO_ISSUE = {
  number: 1,
  title: 'Add clamp(value, min, max) to the price helpers',
  body: 'Discount code needs `clamp` from `src/price.js`: values below `min` become `min`, above `max` become `max`.\n\n`test/clamp.test.js` already describes the behaviour.',
  labels: ['rig'],
  author: 'shop-owner',
};

export const DEMO_RIG_YAML = `# rig.yaml of the demo repository (written by npm run demo)
project:
  name: demo-shop
  language: javascript

source:
  platform: github
  repo: demo/shop
  base_branch: main

ai:
  provider: anthropic
  model: claude-sonnet-5
  max_retry: 3

deploy:
  method: custom
  config:
    commands:
      - name: deploy
        run: bash scripts/deploy.sh "\${BRANCH_NAME}" "\${COMMIT_SHA}" "\${ISSUE_TITLE}"
        timeout: 60s
        env:
          DEPLOY_DIR: \${DEMO_DEPLOY_DIR}

test:
  - type: command
    name: unit
    run: node --test test/
    timeout: 60s
  - type: command
    name: docs-lint
    run: "echo docs ok"
    affected_paths: ["docs/"]

workflow:
  trigger:
    - event: issues.labeled
      labels: ["rig"]
  steps: ["code", "deploy", "test", "report"]

policies:
  - name: file-change-limit
    rule: max_file_changes
    value: "10"
    action: block
  - name: protect-secrets
    rule: blocked_paths
    value: "*.env,secrets/,.env*"
    action: block
`;

const BUGGY_CLAMP = `/** Keeps value inside [min, max]. */
function clamp(value, min, max) {
  return Math.min(min, Math.max(max, value));
}

module.exports = { total, clamp };`;

const FIXED_CLAMP = `/** Keeps value inside [min, max]. */
function clamp(value, min, max) {
  return Math.max(min, Math.min(max, value));
}

module.exports = { total, clamp };`;

function lastUserText(request: FakeRequest): string {
  const first = request.body.messages?.[0];
  const content = first?.content;
  if (typeof content === 'string') return content;
  return (content ?? []).map((b: { type: string; text?: string }) => (b.type === 'text' ? b.text : '')).join('\n');
}

function afterToolResult(request: FakeRequest): boolean {
  const last = request.body.messages?.at(-1);
  return Array.isArray(last?.content) && last.content.some((b: { type: string }) => b.type === 'tool_result');
}

const usage = { input_tokens: 1800, output_tokens: 220, cache_creation_input_tokens: 1200, cache_read_input_tokens: 0 };
const cachedUsage = { input_tokens: 400, output_tokens: 160, cache_creation_input_tokens: 0, cache_read_input_tokens: 1200 };

/**
 * Plan; then a first attempt with the bounds swapped (the test fails); then, given the failure,
 * the fix. Each coding turn ends with a short summary once its edit was accepted.
 */
export const demoScript: FakeScript = (request): FakeReply => {
  const forced = request.body.tool_choice?.name as string | undefined;
  if (forced === 'submit_plan') {
    return {
      kind: 'message',
      usage,
      content: [
        fakeToolUse('submit_plan', {
          summary: 'Add a clamp(value, min, max) helper to src/price.js and export it, so test/clamp.test.js passes.',
          steps: ['Write clamp in src/price.js', 'Export it next to total', 'Run the unit tests'],
          files: ['src/price.js'],
        }),
      ],
    };
  }
  const text = lastUserText(request);
  const fixing = /It failed as follows/.test(text);
  if (afterToolResult(request)) {
    return {
      kind: 'message',
      usage: cachedUsage,
      content: [fakeText(fixing ? 'The bounds were swapped: clamp now takes max(min, min(max, value)).' : 'Added clamp to src/price.js and exported it.')],
    };
  }
  return {
    kind: 'message',
    usage: fixing ? cachedUsage : usage,
    content: [
      fakeText(fixing ? 'The test shows clamp(5, 0, 10) returned 0: min and max are swapped.' : 'I will add clamp next to total.'),
      fakeToolUse(EDITOR, {
        command: 'str_replace',
        path: 'src/price.js',
        old_str: fixing ? BUGGY_CLAMP : 'module.exports = { total };',
        new_str: fixing ? FIXED_CLAMP : BUGGY_CLAMP,
      }),
    ],
  };
};
