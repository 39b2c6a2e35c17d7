// The one vocabulary issue text, paths and symbol names are reduced to, so that "RepoMapper",
// "repo_mapper", "repo-mapper.ts" and "mapping the repo" can meet.

/**
 * English function words plus words every issue uses and no file is about ("bug", "please",
 * "should"). Matching them would rank every file a little and none usefully.
 */
export const STOP_WORDS: ReadonlySet<string> = new Set(
  `a about above after again against all also am an and any are aren as at be because been before being
  below between both but by can cannot could did didn do does doesn doing don down during each else
  etc even ever every few for from further get gets getting got had has have having he her here hers
  him his how however i if in into is isn it its itself just let like ll make makes made may me might
  more most much must my no nor not now of off on once one only or other our ours out over own per
  please re same seems she should so some such than that the their theirs them then there these they
  this those though through thus to too under until up upon us use used uses using ve very via was
  wasn we were weren what when where whether which while who whom why will with within without won
  would yet you your yours
  bug bugs issue issues fix fixes fixed fixing problem problems error errors work works working
  want wants need needs needed add adds added adding change changes changed new old way ways thing
  things something anything nothing see seen look looks instead currently still already again
  expected actual behavior behaviour steps reproduce repro happen happens happened case cases
  thanks thank hi hello also maybe really sure able unable wrong right true false null undefined
  return returns todo e g eg ie i e`
    .split(/\s+/)
    .filter(Boolean),
);

/** Splits an identifier or path segment into lower-case parts: camelCase, PascalCase, snake_case, kebab-case, digits. */
export function splitIdentifier(name: string): string[] {
  // A hand-written scan: this runs for every file name and definition of the repository, and a
  // chain of regular expressions was the slowest part of ranking ten thousand files.
  const out: string[] = [];
  const n = name.length;
  let start = -1;
  let prev = OTHER;
  for (let i = 0; i < n; i++) {
    const cls = classOf(name.charCodeAt(i));
    if (cls === OTHER) {
      if (start >= 0) out.push(name.slice(start, i).toLowerCase());
      start = -1;
    } else if (start < 0) {
      start = i;
    } else if (
      (prev !== UPPER && cls === UPPER) || // fooBar, 2Fa
      (prev !== DIGIT && cls === DIGIT) || // sha256
      (prev === DIGIT && cls !== DIGIT) || // 2fa
      (prev === UPPER && cls === UPPER && i + 1 < n && classOf(name.charCodeAt(i + 1)) === LOWER) // HTTPServer
    ) {
      out.push(name.slice(start, i).toLowerCase());
      start = i;
    }
    prev = cls;
  }
  if (start >= 0) out.push(name.slice(start).toLowerCase());
  return out;
}

const LOWER = 0;
const UPPER = 1;
const DIGIT = 2;
const OTHER = 3;

function classOf(c: number): number {
  if (c >= 97 && c <= 122) return LOWER;
  if (c >= 65 && c <= 90) return UPPER;
  if (c >= 48 && c <= 57) return DIGIT;
  return OTHER;
}

/**
 * A deliberately light stemmer: plural and verb endings and a final "e", so that "ignore",
 * "ignored" and "ignoring" meet. Stronger stemmers (Porter) also merge words like
 * "general"/"generate" that name different things in code.
 */
export function stem(word: string): string {
  let w = word.toLowerCase();
  if (w.length <= 3) return w;
  if (w.endsWith('ies') && w.length > 4) w = `${w.slice(0, -3)}y`;
  else if (/(?:ss|us|is)$/.test(w)) return w;
  else if (/(?:ches|shes|xes|zes|sses)$/.test(w)) w = w.slice(0, -2);
  else if (w.endsWith('s')) w = w.slice(0, -1);
  else if (w.endsWith('ing') && w.length > 5) w = undouble(w.slice(0, -3));
  else if (w.endsWith('ed') && w.length > 4) w = undouble(w.slice(0, -2));
  if (w.length >= 4 && w.endsWith('e')) w = w.slice(0, -1);
  return w;
}

/** "mapp" -> "map", "stopp" -> "stop"; but "call" and "add" keep their double letter. */
function undouble(w: string): string {
  return w.length > 3 && /([b-df-hj-kmnp-rtv-y])\1$/.test(w) ? w.slice(0, -1) : w;
}

/** The content words of a name or phrase as written (lower-cased) and stemmed; stop words and short parts dropped. */
export function wordParts(text: string): Array<{ surface: string; stem: string }> {
  const out: Array<{ surface: string; stem: string }> = [];
  for (const part of splitIdentifier(text)) {
    if (part.length < 3 || /^[0-9]+$/.test(part) || STOP_WORDS.has(part)) continue;
    out.push({ surface: part, stem: stem(part) });
  }
  return out;
}

/** The stemmed content words of a name or phrase. */
export function contentWords(text: string): string[] {
  return wordParts(text).map((w) => w.stem);
}
