// `npx tsx scripts/edit-corpus-report.ts [--cases]`: runs the edit corpus (test/fixtures/edit-corpus)
// through WorktreeFiles twice, exact matching only and tolerant, and prints the comparison as a
// Markdown table. --cases also lists every case whose verdict differs between the two.
// Exits 1 when tolerant matching gets any case wrong, so the table is never quoted from a bad run.
import { loadCorpus, reportTable, runCorpus } from '../test/helpers/edit-corpus';

function say(text = ''): void {
  process.stdout.write(`${text}\n`);
}

async function main(): Promise<number> {
  const corpus = loadCorpus();
  const exactOnly = await runCorpus(corpus, { tolerant: false });
  const tolerant = await runCorpus(corpus, { tolerant: true });

  say(`Edit corpus: ${corpus.length} cases.`);
  say();
  say(reportTable(exactOnly, tolerant));

  if (process.argv.includes('--cases')) {
    say();
    say('| theme | case | expected | exact only | tolerant |');
    say('|---|---|---|---|---|');
    tolerant.forEach((t, k) => {
      const b = exactOnly[k]!;
      if (b.verdict === t.verdict) return;
      say(`| ${t.case.group} | ${t.case.name} | ${t.case.expect.outcome} | ${b.verdict} | ${t.verdict} |`);
    });
  }

  const wrong = tolerant.filter((r) => !(r.verdict === 'applied' || (r.verdict === 'refused' && r.messageMatches)));
  for (const r of wrong) {
    process.stderr.write(`\nWRONG: ${r.case.group} / ${r.case.name}: ${r.verdict}\n${r.message}\n`);
  }
  return wrong.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(2);
  },
);
