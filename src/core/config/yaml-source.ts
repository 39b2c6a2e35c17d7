import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Scalar, type YAMLError } from 'yaml';

// rig.yaml as a YAML document that still knows where each value was written, so that a problem
// found later in the parsed data can be reported at its line.

export type PathSegment = string | number;

export interface Position {
  line: number;
  column: number;
}

export interface SyntaxProblem {
  message: string;
  position?: Position;
}

/** `deploy.config.commands[0].timeout`; a key that is not a plain word is quoted: `env["MY VAR"]`. */
export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(seg)) out += `[${JSON.stringify(seg)}]`;
    else out += out ? `.${seg}` : seg;
  }
  return out;
}

function keyText(key: unknown): string {
  return isScalar(key) ? String(key.value) : String(key);
}

/** A key written with nothing after it (`timeout:`) has an empty scalar positioned past the colon. */
function isEmptyValue(node: unknown): boolean {
  return node == null || (isScalar(node) && node.value === null && !node.source);
}

export class YamlSource {
  private constructor(
    readonly doc: Document.Parsed,
    private readonly lines: LineCounter,
  ) {}

  static parse(text: string): YamlSource {
    const lines = new LineCounter();
    // Merge keys (`<<: *defaults`) let a file share settings between commands.
    const doc = parseDocument(text, { lineCounter: lines, merge: true, prettyErrors: false, uniqueKeys: true });
    return new YamlSource(doc, lines);
  }

  position(offset: number): Position {
    const { line, col } = this.lines.linePos(offset);
    return { line, column: col };
  }

  errors(): SyntaxProblem[] {
    return this.doc.errors.map((e) => this.describe(e));
  }

  warnings(): SyntaxProblem[] {
    return this.doc.warnings.map((e) => this.describe(e));
  }

  private describe(e: YAMLError): SyntaxProblem {
    const first = e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    return { message: first, position: this.position(e.pos[0]) };
  }

  isEmpty(): boolean {
    return isEmptyValue(this.doc.contents);
  }

  rootIsMap(): boolean {
    return isMap(this.doc.contents);
  }

  /**
   * Where `path` was written. When the path does not exist (a missing field) this is the key of its
   * nearest existing parent; with `at: 'key'` the key of the path's last segment (an unknown field).
   */
  locate(path: readonly PathSegment[], at: 'value' | 'key' = 'value'): Position | undefined {
    let node: unknown = this.doc.contents;
    let here = this.offsetOf(node);
    let via = here;
    for (const seg of path) {
      if (isAlias(node)) node = node.resolve(this.doc);
      if (isMap(node)) {
        const pair = node.items.find((p) => keyText(p.key) === String(seg));
        if (!pair) return this.at(via);
        via = this.offsetOf(pair.key);
        here = isEmptyValue(pair.value) ? via : this.offsetOf(pair.value);
        node = pair.value;
      } else if (isSeq(node) && typeof seg === 'number' && node.items[seg] !== undefined) {
        node = node.items[seg];
        via = here = this.offsetOf(node);
      } else {
        return this.at(via);
      }
    }
    return this.at(at === 'key' ? via : here);
  }

  private offsetOf(node: unknown): number | undefined {
    const range = (node as { range?: [number, number, number] } | null)?.range;
    return range?.[0];
  }

  private at(offset: number | undefined): Position | undefined {
    return offset === undefined ? undefined : this.position(offset);
  }

  /** Every string value (never a key) with its path; aliases are visited where their anchor is. */
  eachString(visit: (scalar: Scalar, path: PathSegment[]) => void): void {
    const walk = (node: unknown, path: PathSegment[]): void => {
      if (isMap(node)) {
        for (const pair of node.items) walk(pair.value, [...path, keyText(pair.key)]);
      } else if (isSeq(node)) {
        node.items.forEach((item, i) => walk(item, [...path, i]));
      } else if (isScalar(node) && typeof node.value === 'string') {
        visit(node, path);
      }
    };
    walk(this.doc.contents, []);
  }

  toJS(): unknown {
    return this.doc.toJS({ maxAliasCount: 100 });
  }
}
