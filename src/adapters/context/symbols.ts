// Definitions found by line-anchored regular expressions. A parser per language would be exact, but
// it would be a download or a native build per language; for "which file defines X" a definition
// line is enough, and a miss costs one ranking signal, never a wrong edit.
import type { Language } from './file-kinds';

export type SymbolKind =
  | 'function'
  | 'method'
  | 'class'
  | 'interface'
  | 'type'
  | 'enum'
  | 'struct'
  | 'trait'
  | 'impl'
  | 'module'
  | 'const'
  | 'variable'
  | 'export'
  | 'key'
  | 'heading';

export interface CodeSymbol {
  name: string;
  kind: SymbolKind;
  /** 1-based. */
  line: number;
  exported?: boolean;
}

/** Lines longer than this are generated or minified; matching regexes on them is wasted time. */
const MAX_LINE = 400;
/** A file with more definitions than this is data, not code worth mapping symbol by symbol. */
export const MAX_SYMBOLS_PER_FILE = 400;

export function extractSymbols(text: string, language: Language): CodeSymbol[] {
  const lines = text.split(/\r?\n/);
  const out: CodeSymbol[] = [];
  const extractor = EXTRACTORS[language];
  const state: ExtractorState = { blockIndent: -1, inTypeBlock: false, keyIndents: [], inFence: false };
  for (let i = 0; i < lines.length && out.length < MAX_SYMBOLS_PER_FILE; i++) {
    const line = lines[i]!;
    if (line.length === 0 || line.length > MAX_LINE) continue;
    for (const s of extractor(line, state)) out.push({ ...s, line: i + 1 });
  }
  return out;
}

type Found = Omit<CodeSymbol, 'line'>;

interface ExtractorState {
  /** YAML: indentation of a block scalar (`key: |`) being skipped, or -1. */
  blockIndent: number;
  /** Go: inside a `type ( … )` group. */
  inTypeBlock: boolean;
  /** YAML: indentation of each key level seen so far. */
  keyIndents: number[];
  /** Markdown: inside a fenced code block, where `#` starts a shell comment, not a heading. */
  inFence: boolean;
}

const EXTRACTORS: Record<Language, (line: string, state: ExtractorState) => Found[]> = {
  ts: tsSymbols,
  python: pythonSymbols,
  go: goSymbols,
  rust: rustSymbols,
  java: javaSymbols,
  ruby: rubySymbols,
  shell: shellSymbols,
  yaml: yamlSymbols,
  markdown: markdownSymbols,
};

// Words that look like a method name at the start of a call or control statement.
const NOT_A_NAME = new Set([
  'if', 'for', 'while', 'switch', 'catch', 'return', 'function', 'new', 'else', 'do', 'try', 'throw',
  'typeof', 'await', 'yield', 'with', 'super', 'this', 'delete', 'void', 'in', 'of', 'case', 'import',
  'synchronized', 'assert', 'elif', 'when', 'match', 'loop', 'unless', 'until',
]);

const TS_PATTERNS: Array<[RegExp, SymbolKind, number]> = [
  [/^\s*(export\s+)?(?:default\s+)?(?:declare\s+)?(?:async\s+)?function\s*\*?\s*([A-Za-z_$][\w$]*)/, 'function', 2],
  [/^\s*(export\s+)?(?:default\s+)?(?:declare\s+)?(?:abstract\s+)?class\s+([A-Za-z_$][\w$]*)/, 'class', 2],
  [/^\s*(export\s+)?(?:declare\s+)?interface\s+([A-Za-z_$][\w$]*)/, 'interface', 2],
  [/^\s*(export\s+)?(?:declare\s+)?type\s+([A-Za-z_$][\w$]*)\s*(?:<[^=]*>)?\s*=/, 'type', 2],
  [/^\s*(export\s+)?(?:declare\s+)?(?:const\s+)?enum\s+([A-Za-z_$][\w$]*)/, 'enum', 2],
  [/^\s*(export\s+)?(?:declare\s+)?namespace\s+([A-Za-z_$][\w$.]*)/, 'module', 2],
  // const f = (…) => / const f = async x => / const f = function
  [/^\s*(export\s+)?(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*(?::[^=]+)?=\s*(?:async\s+)?(?:function\b|\([^)]*\)\s*(?::[^=]+)?=>|[A-Za-z_$][\w$]*\s*=>)/, 'function', 2],
  [/^(export\s+)(?:const|let|var)\s+([A-Za-z_$][\w$]*)/, 'const', 2],
  // Top-level constants that are not exported are still the module's vocabulary.
  [/^()(?:const|let)\s+([A-Z][A-Z0-9_]{2,})\s*(?::[^=]+)?=/, 'const', 2],
];

// Every declaration pattern starts with one of these words; most lines of a file are statements
// that fail this one test instead of every pattern.
const TS_DECLARATION_START = /^\s*(?:export|default|declare|abstract|async|function|class|interface|type|enum|const|let|var|namespace|module|exports)\b/;

function tsSymbols(line: string): Found[] {
  if (TS_DECLARATION_START.test(line)) {
    for (const [re, kind, group] of TS_PATTERNS) {
      const m = re.exec(line);
      if (m) return [{ name: m[group]!, kind, exported: Boolean(m[1]) }];
    }
    let m = /^\s*export\s+(?:type\s+)?\{([^}]*)\}/.exec(line);
    if (m) {
      return m[1]!
        .split(',')
        .map((part) => part.trim().split(/\s+as\s+/).pop()!.replace(/^type\s+/, '').trim())
        .filter((name) => /^[A-Za-z_$][\w$]*$/.test(name))
        .map((name) => ({ name, kind: 'export' as const, exported: true }));
    }
    m = /^\s*(?:module\.)?exports\.([A-Za-z_$][\w$]*)\s*=/.exec(line);
    if (m) return [{ name: m[1]!, kind: 'export', exported: true }];
  }
  const last = line.charCodeAt(line.trimEnd().length - 1);
  // 123 "{", 125 "}", 40 "(": a member declaration line ends in one of them.
  if (last !== 123 && last !== 125 && last !== 40) return [];
  let m: RegExpExecArray | null;
  // Class members: indented, a name, a parameter list, a body on the same line.
  m = /^\s{2,8}(?:(?:public|private|protected|static|async|readonly|override|abstract|get|set)\s+)*\*?\s*(#?[A-Za-z_$][\w$]*)\s*(?:<[^>()]*>)?\s*\([^;]*\)\s*(?::\s*[^=;{]+)?\{\s*(?:\}\s*)?$/.exec(line);
  if (m && !NOT_A_NAME.has(m[1]!) && m[1] !== 'constructor') return [{ name: m[1]!, kind: 'method' }];
  // A member whose parameters continue on the next lines: only trusted with a modifier in front,
  // since a bare `name(` at the end of a line is usually a call.
  m = /^\s{2,8}(?:(?:public|private|protected|static|async|readonly|override|abstract|get|set)\s+)+\*?\s*(#?[A-Za-z_$][\w$]*)\s*(?:<[^>()]*>)?\s*\(\s*$/.exec(line);
  if (m && !NOT_A_NAME.has(m[1]!) && m[1] !== 'constructor') return [{ name: m[1]!, kind: 'method' }];
  return [];
}

function pythonSymbols(line: string): Found[] {
  let m = /^(\s*)(?:async\s+)?def\s+([A-Za-z_]\w*)/.exec(line);
  if (m) return [{ name: m[2]!, kind: m[1] ? 'method' : 'function', exported: !m[1] && !m[2]!.startsWith('_') }];
  m = /^(\s*)class\s+([A-Za-z_]\w*)/.exec(line);
  if (m) return [{ name: m[2]!, kind: 'class', exported: !m[1] && !m[2]!.startsWith('_') }];
  m = /^([A-Z][A-Z0-9_]*[A-Z0-9])\s*(?::[^=]+)?=(?!=)/.exec(line);
  if (m) return [{ name: m[1]!, kind: 'const', exported: true }];
  return [];
}

function goSymbols(line: string, state: ExtractorState): Found[] {
  const exported = (name: string) => /^[A-Z]/.test(name);
  if (state.inTypeBlock) {
    if (/^\)/.test(line)) {
      state.inTypeBlock = false;
      return [];
    }
    const m = /^\t([A-Za-z_]\w*)\s+(struct|interface)?/.exec(line);
    if (m) return [{ name: m[1]!, kind: m[2] === 'struct' ? 'struct' : m[2] === 'interface' ? 'interface' : 'type', exported: exported(m[1]!) }];
    return [];
  }
  if (/^type\s*\(\s*$/.test(line)) {
    state.inTypeBlock = true;
    return [];
  }
  let m = /^func\s+(\([^)]*\)\s*)?([A-Za-z_]\w*)/.exec(line);
  if (m) return [{ name: m[2]!, kind: m[1] ? 'method' : 'function', exported: exported(m[2]!) }];
  m = /^type\s+([A-Za-z_]\w*)(?:\[[^\]]*\])?\s+(struct|interface)?/.exec(line);
  if (m) return [{ name: m[1]!, kind: m[2] === 'struct' ? 'struct' : m[2] === 'interface' ? 'interface' : 'type', exported: exported(m[1]!) }];
  m = /^(?:const|var)\s+([A-Za-z_]\w*)/.exec(line);
  if (m) return [{ name: m[1]!, kind: 'const', exported: exported(m[1]!) }];
  return [];
}

const RUST_VIS = String.raw`^\s*(pub(?:\([^)]*\))?\s+)?`;
const RUST_PATTERNS: Array<[RegExp, SymbolKind]> = [
  [new RegExp(`${RUST_VIS}(?:default\\s+)?(?:const\\s+)?(?:async\\s+)?(?:unsafe\\s+)?(?:extern\\s+"[^"]*"\\s+)?fn\\s+([A-Za-z_]\\w*)`), 'function'],
  [new RegExp(`${RUST_VIS}struct\\s+([A-Za-z_]\\w*)`), 'struct'],
  [new RegExp(`${RUST_VIS}enum\\s+([A-Za-z_]\\w*)`), 'enum'],
  [new RegExp(`${RUST_VIS}union\\s+([A-Za-z_]\\w*)`), 'struct'],
  [new RegExp(`${RUST_VIS}(?:unsafe\\s+)?trait\\s+([A-Za-z_]\\w*)`), 'trait'],
  [new RegExp(`${RUST_VIS}type\\s+([A-Za-z_]\\w*)`), 'type'],
  [new RegExp(`${RUST_VIS}mod\\s+([A-Za-z_]\\w*)`), 'module'],
  [new RegExp(`${RUST_VIS}(?:const|static)\\s+(?:mut\\s+)?([A-Za-z_]\\w*)\\s*:`), 'const'],
];

function rustSymbols(line: string): Found[] {
  for (const [re, kind] of RUST_PATTERNS) {
    const m = re.exec(line);
    // An indented fn is almost always in an impl or trait block.
    if (m) return [{ name: m[2]!, kind: kind === 'function' && /^\s/.test(line) ? 'method' : kind, exported: Boolean(m[1]) }];
  }
  let m = /^\s*(?:unsafe\s+)?impl(?:<[^>]*(?:<[^>]*>[^>]*)*>)?\s+(?:[\w:]+(?:<[^>]*>)?\s+for\s+)?([A-Za-z_][\w:]*)/.exec(line);
  if (m) return [{ name: m[1]!.split('::').pop()!, kind: 'impl' }];
  m = /^\s*macro_rules!\s*([A-Za-z_]\w*)/.exec(line);
  if (m) return [{ name: m[1]!, kind: 'function' }];
  return [];
}

function javaSymbols(line: string): Found[] {
  let m = /^\s*((?:(?:public|protected|private|abstract|final|static|sealed|non-sealed|strictfp)\s+)*)(class|interface|enum|record|@interface)\s+([A-Za-z_$][\w$]*)/.exec(line);
  if (m) {
    const kind: SymbolKind = m[2] === 'interface' || m[2] === '@interface' ? 'interface' : m[2] === 'enum' ? 'enum' : 'class';
    return [{ name: m[3]!, kind, exported: /\bpublic\b/.test(m[1]!) }];
  }
  // A method or constructor declaration: modifiers, then a type (absent for constructors), a name
  // and a parameter list, and no semicolon — calls and field initialisers end in one.
  m = /^\s+((?:(?:public|protected|private|static|final|abstract|synchronized|native|default|strictfp)\s+)*)(?:<[^>]+>\s+)?(?:([\w$.]+(?:<[^()]*>)?(?:\[\])*)\s+)?([A-Za-z_$][\w$]*)\s*\([^;]*$/.exec(line);
  if (m && (m[1] || m[2]) && !NOT_A_NAME.has(m[3]!) && !(m[2] && NOT_A_NAME.has(m[2]))) {
    if (!m[1] && /[=.]/.test(line.slice(0, line.indexOf('(')))) return [];
    return [{ name: m[3]!, kind: 'method', exported: /\bpublic\b/.test(m[1]!) }];
  }
  return [];
}

function rubySymbols(line: string): Found[] {
  let m = /^\s*def\s+(self\.)?([A-Za-z_]\w*[?!=]?)/.exec(line);
  if (m) return [{ name: m[2]!, kind: 'method' }];
  m = /^\s*(class|module)\s+([A-Z][\w:]*)/.exec(line);
  if (m) return [{ name: m[2]!.split('::').pop()!, kind: m[1] === 'module' ? 'module' : 'class', exported: true }];
  m = /^\s*([A-Z][A-Z0-9_]*)\s*=(?!=)/.exec(line);
  if (m) return [{ name: m[1]!, kind: 'const' }];
  return [];
}

function shellSymbols(line: string): Found[] {
  let m = /^\s*function\s+([A-Za-z_][\w.:-]*)\s*(?:\(\s*\))?\s*\{?\s*$/.exec(line);
  if (m) return [{ name: m[1]!, kind: 'function' }];
  m = /^\s*([A-Za-z_][\w.:-]*)\s*\(\s*\)\s*\{?\s*(?:#.*)?$/.exec(line);
  if (m) return [{ name: m[1]!, kind: 'function' }];
  m = /^(?:export|readonly|declare\s+-[a-zA-Z]+)\s+([A-Za-z_]\w*)=/.exec(line);
  if (m) return [{ name: m[1]!, kind: 'variable', exported: line.startsWith('export') }];
  m = /^([A-Z][A-Z0-9_]+)=/.exec(line);
  if (m) return [{ name: m[1]!, kind: 'variable' }];
  return [];
}

/** YAML keys of the first two levels: jobs, services, a workflow's job names; deeper keys are detail. */
function yamlSymbols(line: string, state: ExtractorState): Found[] {
  const indent = line.length - line.trimStart().length;
  const trimmed = line.trimStart();
  if (state.blockIndent >= 0) {
    if (trimmed === '' || indent > state.blockIndent) return [];
    state.blockIndent = -1;
  }
  if (trimmed.startsWith('#') || trimmed.startsWith('- ') || trimmed === '---' || trimmed === '...') return [];
  const m = /^(?:"([^"]+)"|'([^']+)'|([A-Za-z0-9_$][\w.$/-]*))\s*:(?:\s+(.*))?$/.exec(trimmed);
  if (!m) return [];
  const name = m[1] ?? m[2] ?? m[3]!;
  const rest = (m[4] ?? '').trim();
  if (/^[|>][-+0-9]*\s*(?:#.*)?$/.test(rest)) state.blockIndent = indent;
  while (state.keyIndents.length > 0 && state.keyIndents[state.keyIndents.length - 1]! >= indent) state.keyIndents.pop();
  state.keyIndents.push(indent);
  const depth = state.keyIndents.length;
  return depth <= 2 ? [{ name, kind: 'key' }] : [];
}

function markdownSymbols(line: string, state: ExtractorState): Found[] {
  if (/^\s*(?:```|~~~)/.test(line)) {
    state.inFence = !state.inFence;
    return [];
  }
  if (state.inFence) return [];
  const m = /^(#{1,3})\s+(.+?)\s*#*\s*$/.exec(line);
  return m ? [{ name: m[2]!, kind: 'heading' }] : [];
}
