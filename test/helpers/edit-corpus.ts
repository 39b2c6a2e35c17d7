// The edit corpus (test/fixtures/edit-corpus): str_replace calls of the kind models really send,
// each with the file it was sent against and what must come of it. Loading, running one case
// through WorktreeFiles on a real temporary directory, and tallying, shared by the unit test and
// scripts/edit-corpus-report.ts.
import { promises as fs, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { WorktreeFiles } from '../../src/adapters/ai/worktree-files';

export const CORPUS_DIR = path.resolve(__dirname, '../fixtures/edit-corpus');

/** A string as is, or lines joined with the case's line ending (add a last "" for a final newline). */
const text = z.union([z.string(), z.array(z.string())]);

const caseBase = z.object({
  name: z.string().min(1),
  path: z.string().min(1),
  /** Joins the array forms of original and expected; edits are always the model's own "\n". */
  lineEnding: z.enum(['lf', 'crlf']).default('lf'),
  original: text,
  old_str: text,
  /** Omitted: the model sent no new_str, which deletes old_str. */
  new_str: text.optional(),
});

const corpusCase = z.discriminatedUnion('outcome', [
  caseBase.extend({ outcome: z.literal('applied'), expected: text }),
  caseBase.extend({ outcome: z.literal('refused'), error: z.string().min(1) }),
]);

const corpusFile = z.object({ about: z.string().min(1), cases: z.array(corpusCase).min(1) });

export interface EditCase {
  /** Theme file it comes from, e.g. "crlf". */
  group: string;
  name: string;
  path: string;
  original: string;
  oldStr: string;
  newStr: string | undefined;
  expect: { outcome: 'applied'; file: string } | { outcome: 'refused'; error: string };
}

export function loadCorpus(dir = CORPUS_DIR): EditCase[] {
  const cases: EditCase[] = [];
  for (const name of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    const group = name.replace(/\.json$/, '');
    const parsed = corpusFile.safeParse(JSON.parse(readFileSync(path.join(dir, name), 'utf8')));
    if (!parsed.success) throw new Error(`${name}: ${z.prettifyError(parsed.error)}`);
    for (const c of parsed.data.cases) {
      const eol = c.lineEnding === 'crlf' ? '\r\n' : '\n';
      const join = (t: string | string[], separator: string) => (typeof t === 'string' ? t : t.join(separator));
      cases.push({
        group,
        name: c.name,
        path: c.path,
        original: join(c.original, eol),
        oldStr: join(c.old_str, '\n'),
        newStr: c.new_str === undefined ? undefined : join(c.new_str, '\n'),
        expect: c.outcome === 'applied' ? { outcome: 'applied', file: join(c.expected, eol) } : { outcome: 'refused', error: c.error },
      });
    }
  }
  return cases;
}

/**
 * applied: the file is exactly the expected one. refused: the call was refused and the file is
 * untouched (`messageMatches` says whether the refusal names the expected problem).
 * missed: refused although it should have applied, file untouched. corrupted: anything that leaves
 * a file other than the original or the expected one, or applies an edit that should be refused.
 */
export type Verdict = 'applied' | 'refused' | 'missed' | 'corrupted';

export interface CaseResult {
  case: EditCase;
  verdict: Verdict;
  isError: boolean;
  message: string;
  messageMatches: boolean;
  fileAfter: string;
}

export async function runCase(c: EditCase, options: { tolerant: boolean }): Promise<CaseResult> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'rig-edit-corpus-'));
  try {
    const file = path.join(root, c.path);
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, c.original);
    const files = await WorktreeFiles.open(root, options);
    const input: Record<string, unknown> = { command: 'str_replace', path: c.path, old_str: c.oldStr };
    if (c.newStr !== undefined) input.new_str = c.newStr;
    const outcome = await files.execute(input);
    const fileAfter = await fs.readFile(file, 'utf8');
    const untouched = fileAfter === c.original;
    let verdict: Verdict;
    let messageMatches = false;
    if (c.expect.outcome === 'applied') {
      if (!outcome.isError && fileAfter === c.expect.file) verdict = 'applied';
      else if (outcome.isError && untouched) verdict = 'missed';
      else verdict = 'corrupted';
    } else {
      messageMatches = outcome.isError && outcome.text.includes(c.expect.error);
      verdict = outcome.isError && untouched ? 'refused' : 'corrupted';
    }
    return { case: c, verdict, isError: outcome.isError, message: outcome.text, messageMatches, fileAfter };
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
}

export interface Tally {
  cases: number;
  shouldApply: number;
  applied: number;
  shouldRefuse: number;
  refused: number;
  /** Refusals whose message contains the case's expected fragment. */
  refusedWithReason: number;
  corrupted: number;
}

export function tally(results: readonly CaseResult[]): Tally {
  const count = (p: (r: CaseResult) => boolean) => results.filter(p).length;
  return {
    cases: results.length,
    shouldApply: count((r) => r.case.expect.outcome === 'applied'),
    applied: count((r) => r.verdict === 'applied'),
    shouldRefuse: count((r) => r.case.expect.outcome === 'refused'),
    refused: count((r) => r.verdict === 'refused'),
    refusedWithReason: count((r) => r.verdict === 'refused' && r.messageMatches),
    corrupted: count((r) => r.verdict === 'corrupted'),
  };
}

export async function runCorpus(cases: readonly EditCase[], options: { tolerant: boolean }): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  for (const c of cases) results.push(await runCase(c, options));
  return results;
}

function percent(part: number, whole: number): string {
  return whole === 0 ? '-' : `${((100 * part) / whole).toFixed(1)}%`;
}

/** The comparison as a Markdown table, one row per theme and a total. */
export function reportTable(baseline: readonly CaseResult[], tolerant: readonly CaseResult[]): string {
  const groups = [...new Set(tolerant.map((r) => r.case.group))];
  const row = (label: string, b: Tally, t: Tally) =>
    `| ${label} | ${t.cases} | ${t.shouldApply} | ${b.applied} | ${t.applied} | ${t.shouldRefuse} | ${b.refused} | ${t.refused} | ${b.corrupted} | ${t.corrupted} |`;
  const lines = [
    '| theme | cases | should apply | applied, exact only | applied, tolerant | should refuse | refused, exact only | refused, tolerant | corrupted, exact only | corrupted, tolerant |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const group of groups) {
    const pick = (rs: readonly CaseResult[]) => rs.filter((r) => r.case.group === group);
    lines.push(row(group, tally(pick(baseline)), tally(pick(tolerant))));
  }
  const b = tally(baseline);
  const t = tally(tolerant);
  lines.push(row('**all**', b, t));
  lines.push(
    '',
    `Should apply: exact only ${b.applied}/${b.shouldApply} (${percent(b.applied, b.shouldApply)}), tolerant ${t.applied}/${t.shouldApply} (${percent(t.applied, t.shouldApply)}).`,
    `Should refuse: exact only ${b.refused}/${b.shouldRefuse} (${percent(b.refused, b.shouldRefuse)}), tolerant ${t.refused}/${t.shouldRefuse} (${percent(t.refused, t.shouldRefuse)}), ${t.refusedWithReason} of them with the expected reason.`,
    `Corrupted files: exact only ${b.corrupted}, tolerant ${t.corrupted}.`,
  );
  return lines.join('\n');
}
