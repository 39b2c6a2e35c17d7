// Shared pieces of test/integration/cli-approval.test.ts and cli-safety.test.ts: a scripted AI
// built from plain data (plan, editor calls per turn, infrastructure proposals), and small probes
// of the file system and of processes.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, lstatSync } from 'node:fs';
import path from 'node:path';
import { type FakeReply, type FakeRequest, type FakeScript, fakeText, fakeToolUse } from '../../src/fakes/anthropic-fake-server';
import { CLI, type RigResult } from './cli-harness';

export const EDITOR = 'str_replace_based_edit_tool';
export const PLAN_TOOL = 'submit_plan';
export const PROPOSAL_TOOL = 'submit_infra_proposal';

export type EditorCall =
  | { command: 'create'; path: string; file_text: string }
  | { command: 'str_replace'; path: string; old_str: string; new_str: string }
  | { command: 'view'; path: string };

/** One model turn of a coding conversation: editor calls, or a whole reply for special cases. */
export type CodingTurn = EditorCall[] | ((request: FakeRequest) => FakeReply);

export interface ProposalAnswer {
  summary: string;
  reason: string;
  files: Array<{ path: string; after: string }>;
}

export interface AiScriptSpec {
  plan?: { summary: string; steps: string[]; files: string[] };
  /**
   * Coding conversations in order (0 = the first code run, 1… = fixes after failed tests), each
   * a list of turns; once a conversation's turns are used up the model replies with a summary.
   * A conversation past the end of the list repeats the last one.
   */
  coding: CodingTurn[][];
  /** Answers to successive infrastructure-proposal requests (the last one repeats). */
  proposals?: ProposalAnswer[];
}

export interface ScriptedAi {
  script: FakeScript;
  /** Requests per coding conversation, in order. */
  conversations: FakeRequest[][];
  proposalRequests: FakeRequest[];
  planRequests: FakeRequest[];
}

const toolNames = (request: FakeRequest): string[] => (request.body.tools ?? []).map((t: { name: string }) => t.name);

/** The blocks of the last user message that answer tool calls. */
export function toolResults(request: FakeRequest): Array<{ tool_use_id: string; is_error?: boolean; content: unknown }> {
  const last = request.body.messages?.at(-1);
  return Array.isArray(last?.content) ? last.content.filter((b: { type: string }) => b.type === 'tool_result') : [];
}

export function firstUserText(request: FakeRequest): string {
  const content = request.body.messages?.[0]?.content;
  if (typeof content === 'string') return content;
  return (content ?? []).map((b: { type: string; text?: string }) => (b.type === 'text' ? b.text : '')).join('\n');
}

export function scriptedAi(spec: AiScriptSpec): ScriptedAi {
  const conversations: FakeRequest[][] = [];
  const proposalRequests: FakeRequest[] = [];
  const planRequests: FakeRequest[] = [];
  const script: FakeScript = (request) => {
    const names = toolNames(request);
    if (names.includes(PLAN_TOOL)) {
      planRequests.push(request);
      const plan = spec.plan ?? { summary: 'Make the change the issue asks for.', steps: ['Edit the files'], files: ['src/feature.txt'] };
      return { kind: 'message', content: [fakeToolUse(PLAN_TOOL, plan)] };
    }
    if (names.includes(PROPOSAL_TOOL)) {
      proposalRequests.push(request);
      const all = spec.proposals ?? [];
      const answer = all[Math.min(proposalRequests.length - 1, all.length - 1)];
      if (!answer) throw new Error('the script has no infrastructure proposal');
      return { kind: 'message', content: [fakeToolUse(PROPOSAL_TOOL, answer)] };
    }
    if (names.includes(EDITOR)) {
      const messages: unknown[] = request.body.messages;
      if (messages.length === 1) conversations.push([]);
      const index = conversations.length - 1;
      conversations[index]!.push(request);
      const turns = spec.coding[Math.min(index, spec.coding.length - 1)] ?? [];
      const turn = turns[(messages.length - 1) / 2];
      if (turn === undefined) return { kind: 'message', content: [fakeText(`Done with conversation ${index + 1}.`)] };
      if (typeof turn === 'function') return turn(request);
      return { kind: 'message', content: [fakeText('Editing.'), ...turn.map((call) => fakeToolUse(EDITOR, call))] };
    }
    throw new Error(`unexpected request with tools [${names.join(', ')}]`);
  };
  return { script, conversations, proposalRequests, planRequests };
}

export const create = (p: string, text: string): EditorCall => ({ command: 'create', path: p, file_text: text });

/** Alive and not a zombie: a killed process nobody reaped yet counts as gone. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Every path under `dir` (symlinks not followed) whose base name is `name`. */
export function findByName(dir: string, name: string): string[] {
  const found: string[] = [];
  const walk = (d: string) => {
    let entries: string[];
    try {
      entries = readdirSync(d);
    } catch {
      return;
    }
    for (const e of entries) {
      const full = path.join(d, e);
      if (e === name) found.push(full);
      try {
        if (lstatSync(full).isDirectory()) walk(full);
      } catch {
        // gone meanwhile
      }
    }
  };
  if (existsSync(dir)) walk(dir);
  return found;
}

/** Runs the bundled CLI in any directory (for commands that need no scenario). */
export function rigIn(cwd: string, args: string[], env: Record<string, string>): Promise<RigResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** Branch names on origin. */
export function originBranches(originGit: (...args: string[]) => string): string[] {
  return originGit('for-each-ref', '--format=%(refname:short)', 'refs/heads/')
    .trim()
    .split('\n')
    .filter(Boolean)
    .sort();
}
