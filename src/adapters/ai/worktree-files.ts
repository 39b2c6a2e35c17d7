// The only file system the model can touch: one worktree, through the operations of Anthropic's
// text editor tool or, for models that do better rewriting whole files, through list/read/write of
// complete files. Every refusal is an EditRefusal whose message is written for the model to read
// and act on, because it comes back to it as a tool_result with is_error.
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { eolStyle, toLines } from './text-lines';
import { adaptLineEndings, countRepeats, tolerantReplace } from './tolerant-match';

/** Larger files are not something to edit by exact string replacement, and would flood the context. */
export const MAX_FILE_BYTES = 1024 * 1024;
/** Longest text one `view` returns; the rest is reachable with view_range. */
export const MAX_VIEW_CHARS = 60_000;
const MAX_LISTING_ENTRIES = 1000;
const SNIPPET_CONTEXT_LINES = 4;
/** An old_str that occurs more often than this needs context, not a longer list. */
const MAX_LISTED_PLACES = 20;

export class EditRefusal extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EditRefusal';
  }
}

export interface EditorOutcome {
  text: string;
  isError: boolean;
}

const editorCommand = z.discriminatedUnion('command', [
  z.object({
    command: z.literal('view'),
    path: z.string(),
    view_range: z.tuple([z.number().int(), z.number().int()]).optional(),
  }),
  z.object({ command: z.literal('create'), path: z.string(), file_text: z.string() }),
  z.object({ command: z.literal('str_replace'), path: z.string(), old_str: z.string(), new_str: z.string().optional() }),
  z.object({ command: z.literal('insert'), path: z.string(), insert_line: z.number().int(), insert_text: z.string() }),
]);

const wholeFileCommand = {
  list_files: z.object({ path: z.string().optional() }),
  read_file: z.object({ path: z.string() }),
  write_file: z.object({ path: z.string(), content: z.string() }),
};
export type WholeFileTool = keyof typeof wholeFileCommand;
export const WHOLE_FILE_TOOLS = Object.keys(wholeFileCommand) as WholeFileTool[];

/**
 * A comment standing in for code ("// ... rest unchanged", "# existing code here"): what a model
 * writes when it forgets that a whole-file write replaces everything. Only lines the file did not
 * already have count, so a file that legitimately contains such a comment can still be rewritten.
 */
const ELISION_LINE =
  /^\s*(?:\/\/+|#+|--|;+|\/\*+|\*|<!--|\{\/\*)\s*(?:(?:\.{3}|…).*|.*\b(?:rest of (?:the )?(?:code|file|class|function|module|implementation|content)|(?:existing|unchanged|remaining|previous|other) (?:code|content|imports|methods|functions|tests|lines)\b.*(?:unchanged|here|above|below|remains?|as before|omitted|\.{3}|…)).*)$/i;

export interface WorktreeFilesOptions {
  /**
   * When str_replace's old_str is not in the file exactly, still apply it if it matches exactly one
   * place once line endings, trailing whitespace, typographic quotes and dashes or a uniform shift
   * of indentation are set aside, and write new_str in the file's conventions. Default true; false
   * gives exact matching only, which is what the edit corpus measures the tolerance against.
   */
  tolerant?: boolean;
}

interface ResolvedPath {
  /** Where reads and writes go: symlinks inside the worktree already followed. */
  absolute: string;
  /** Forward-slash path relative to the worktree root, as git names it. */
  relative: string;
  exists: boolean;
}

export class WorktreeFiles {
  private readonly changed = new Set<string>();

  private constructor(
    private readonly root: string,
    private readonly tolerant: boolean,
  ) {}

  /** `worktree` must be an existing directory; it is resolved once so symlinked temp dirs compare correctly. */
  static async open(worktree: string, options: WorktreeFilesOptions = {}): Promise<WorktreeFiles> {
    const root = await fs.realpath(worktree).catch((err: NodeJS.ErrnoException) => {
      throw new Error(`worktree ${worktree} cannot be opened (${err.code ?? err.message})`);
    });
    if (!(await fs.stat(root)).isDirectory()) throw new Error(`worktree ${worktree} is not a directory`);
    return new WorktreeFiles(root, options.tolerant ?? true);
  }

  /** Relative paths written so far, sorted. */
  changedFiles(): string[] {
    return [...this.changed].sort();
  }

  /** Runs one tool_use input. Refusals become error text for the model; other failures propagate. */
  async execute(input: unknown): Promise<EditorOutcome> {
    return outcomeOf(() => this.dispatch(input));
  }

  /** Runs one call of a whole-file tool, with the same refusal discipline as `execute`. */
  async executeWholeFile(tool: WholeFileTool, input: unknown): Promise<EditorOutcome> {
    return outcomeOf(async () => {
      switch (tool) {
        case 'list_files': {
          const cmd = parseInput(wholeFileCommand.list_files, input);
          return this.listFiles(cmd.path ?? '.');
        }
        case 'read_file':
          return this.readWholeFile(parseInput(wholeFileCommand.read_file, input).path);
        case 'write_file': {
          const cmd = parseInput(wholeFileCommand.write_file, input);
          return this.writeWholeFile(cmd.path, cmd.content);
        }
      }
    });
  }

  private async dispatch(input: unknown): Promise<string> {
    const parsed = editorCommand.safeParse(input);
    if (!parsed.success) {
      const command = (input as { command?: unknown } | null)?.command;
      if (typeof command === 'string' && !['view', 'create', 'str_replace', 'insert'].includes(command)) {
        throw new EditRefusal(`Unknown command "${command}". Use view, create, str_replace or insert.`);
      }
      throw new EditRefusal(`Invalid tool input: ${z.prettifyError(parsed.error)}`);
    }
    const cmd = parsed.data;
    switch (cmd.command) {
      case 'view':
        return this.view(cmd.path, cmd.view_range);
      case 'create':
        return this.create(cmd.path, cmd.file_text);
      case 'str_replace':
        return this.strReplace(cmd.path, cmd.old_str, cmd.new_str ?? '');
      case 'insert':
        return this.insert(cmd.path, cmd.insert_line, cmd.insert_text);
    }
  }

  async view(relPath: string, range?: [number, number]): Promise<string> {
    const target = await this.resolve(relPath, { allowRoot: true });
    if (!target.exists) throw new EditRefusal(`${displayName(target)} does not exist.`);
    const stat = await fs.stat(target.absolute);
    if (stat.isDirectory()) {
      if (range) throw new EditRefusal('view_range only applies to files, not directories.');
      return this.listDirectory(target);
    }
    const text = await this.readText(target);
    const lines = splitLines(text);
    let first = 1;
    let last = lines.length;
    if (range) {
      const [start, end] = range;
      if (start < 1 || start > Math.max(lines.length, 1)) {
        throw new EditRefusal(`view_range start ${start} is outside ${target.relative}, which has ${lines.length} lines.`);
      }
      if (end !== -1 && (end < start || end > lines.length)) {
        throw new EditRefusal(
          `view_range end ${end} must be -1 (end of file) or between ${start} and ${lines.length}, the number of lines in ${target.relative}.`,
        );
      }
      first = start;
      last = end === -1 ? lines.length : end;
    }
    if (lines.length === 0) return `${target.relative} is empty.`;
    const numbered = numberLines(lines.slice(first - 1, last), first);
    if (numbered.length <= MAX_VIEW_CHARS) return numbered;
    const shown = numbered.slice(0, MAX_VIEW_CHARS);
    const shownLines = shown.split('\n').length - 1;
    return `${shown.slice(0, shown.lastIndexOf('\n'))}\n<response clipped: showed lines ${first}-${first + shownLines - 1} of ${lines.length}; use view_range to see the rest>`;
  }

  async create(relPath: string, fileText: string): Promise<string> {
    const target = await this.resolve(relPath);
    if (Buffer.byteLength(fileText) > MAX_FILE_BYTES) {
      throw new EditRefusal(`file_text is larger than ${MAX_FILE_BYTES} bytes; split the content into smaller files.`);
    }
    if (target.exists && (await fs.stat(target.absolute)).isDirectory()) {
      throw new EditRefusal(`${target.relative} is a directory; create needs a file path.`);
    }
    await fs.mkdir(path.dirname(target.absolute), { recursive: true });
    await this.write(target, fileText);
    return `${target.exists ? 'Overwrote' : 'Created'} ${target.relative} (${splitLines(fileText).length} lines).`;
  }

  async strReplace(relPath: string, oldStr: string, newStr: string): Promise<string> {
    if (oldStr.length === 0) throw new EditRefusal('old_str is empty; give the exact text to replace.');
    // A model that sends the same text twice believes it changed something; saying so beats "Edited".
    if (oldStr === newStr) {
      throw new EditRefusal('No replacement was performed: old_str and new_str are identical, so the edit would change nothing. Put the new text in new_str.');
    }
    const target = await this.existingFile(relPath);
    const text = await this.readText(target);
    const starts = occurrences(text, oldStr);
    if (starts.length === 0) {
      if (this.tolerant) return this.replaceTolerantly(target, text, oldStr, newStr);
      throw new EditRefusal(
        `No replacement was performed: old_str was not found in ${target.relative}. It must match the file exactly, including whitespace and indentation; view the file to copy it.`,
      );
    }
    if (starts.length > 1) {
      const lines = countRepeats(starts.slice(0, MAX_LISTED_PLACES).map((at) => String(lineOf(text, at))));
      const more = starts.length > MAX_LISTED_PLACES ? ` and ${starts.length - MAX_LISTED_PLACES} more` : '';
      throw new EditRefusal(
        `No replacement was performed: old_str occurs ${starts.length} times in ${target.relative} (at lines ${lines.join(', ')}${more}). Include more surrounding lines so it matches exactly once.`,
      );
    }
    const at = starts[0]!;
    const written = this.tolerant ? adaptLineEndings(text, newStr) : newStr;
    // Slicing, not String.replace: the model's text may contain `$&`-style patterns.
    const updated = text.slice(0, at) + written + text.slice(at + oldStr.length);
    if (updated === text) throw unchanged(target);
    await this.write(target, updated);
    const firstLine = lineOf(updated, at);
    const lastLine = firstLine + splitLines(written).length - 1;
    return `Edited ${target.relative}. Lines around the change:\n${snippet(updated, firstLine, lastLine)}`;
  }

  private async replaceTolerantly(target: ResolvedPath, text: string, oldStr: string, newStr: string): Promise<string> {
    const outcome = tolerantReplace(text, oldStr, newStr, target.relative);
    if (outcome.kind === 'refused') throw new EditRefusal(`No replacement was performed: ${outcome.message}`);
    if (outcome.text === text) throw unchanged(target);
    await this.write(target, outcome.text);
    return `Edited ${target.relative}. ${outcome.note} Lines around the change:\n${snippet(outcome.text, outcome.firstLine, outcome.lastLine)}`;
  }

  async insert(relPath: string, insertLine: number, insertText: string): Promise<string> {
    const target = await this.existingFile(relPath);
    const text = await this.readText(target);
    // In a file with one line-ending style the inserted lines take it, whichever the model typed:
    // the work is done in LF and CRLF is restored at the end (such a file has no bare LF to confuse).
    const style = this.tolerant && text.includes('\n') ? eolStyle(toLines(text)) : null;
    const base = style === '\r\n' ? text.replace(/\r\n/g, '\n') : text;
    const typed = style ? insertText.replace(/\r\n/g, '\n') : insertText;
    const lines = splitLines(base);
    if (insertLine < 0 || insertLine > lines.length) {
      throw new EditRefusal(
        `insert_line ${insertLine} is outside ${target.relative}: it must be between 0 (before the first line) and ${lines.length} (after the last line).`,
      );
    }
    const newLines = typed === '' ? [] : typed.replace(/\n$/, '').split('\n');
    const endsWithNewline = base.endsWith('\n') || base.length === 0;
    lines.splice(insertLine, 0, ...newLines);
    const joined = lines.join('\n') + (endsWithNewline ? '\n' : '');
    const updated = style === '\r\n' ? joined.replace(/\n/g, '\r\n') : joined;
    await this.write(target, updated);
    return `Inserted ${newLines.length} line(s) into ${target.relative} after line ${insertLine}. Lines around the change:\n${snippet(
      updated,
      insertLine + 1,
      insertLine + newLines.length,
    )}`;
  }

  // ---------------------------------------------------------------- whole files

  async listFiles(relPath: string): Promise<string> {
    const target = await this.resolve(relPath, { allowRoot: true });
    if (!target.exists) throw new EditRefusal(`${displayName(target)} does not exist.`);
    if (!(await fs.stat(target.absolute)).isDirectory()) throw new EditRefusal(`${target.relative} is a file; use read_file to read it.`);
    return this.listDirectory(target);
  }

  /** The file exactly as stored: what the model copies from when it rewrites the file. */
  async readWholeFile(relPath: string): Promise<string> {
    const target = await this.existingFile(relPath);
    const text = await this.readText(target);
    if (text.length > MAX_VIEW_CHARS) throw tooLargeForWholeFile(target, text.length);
    return text.length === 0 ? `(${target.relative} is empty)` : text;
  }

  /**
   * Replaces a file with `content`. Refused when the model cannot have seen all of the old file,
   * when it would silently empty a file, or when the new text has placeholders for code it left out:
   * each of those would commit a file that lost code.
   */
  async writeWholeFile(relPath: string, content: string): Promise<string> {
    if (Buffer.byteLength(content) > MAX_FILE_BYTES) {
      throw new EditRefusal(`content is larger than ${MAX_FILE_BYTES} bytes; split it into smaller files.`);
    }
    const target = await this.resolve(relPath);
    if (target.exists && (await fs.stat(target.absolute)).isDirectory()) {
      throw new EditRefusal(`${target.relative} is a directory; write_file needs a file path.`);
    }
    const before = target.exists ? await this.readText(target) : null;
    if (before !== null) {
      if (before.length > MAX_VIEW_CHARS) throw tooLargeForWholeFile(target, before.length);
      if (before.trim() !== '' && content.trim() === '') {
        throw new EditRefusal(`write_file was refused: the content is empty and would erase ${target.relative}. Send the complete new content of the file.`);
      }
      const known = new Set(splitLines(before).map((l) => l.trim()));
      const lines = splitLines(content);
      const at = lines.findIndex((l) => ELISION_LINE.test(l) && !known.has(l.trim()));
      if (at !== -1) {
        throw new EditRefusal(
          `write_file was refused: line ${at + 1} of the new ${target.relative} ("${lines[at]!.trim().slice(0, 120)}") looks like a placeholder for code that was left out. write_file replaces the whole file: send its complete content, every unchanged line included.`,
        );
      }
      if (before === content) return `${target.relative} already has exactly this content; nothing was written.`;
    }
    await fs.mkdir(path.dirname(target.absolute), { recursive: true });
    await this.write(target, content);
    return `${before === null ? 'Created' : 'Wrote'} ${target.relative} (${splitLines(content).length} lines).`;
  }

  // ---------------------------------------------------------------- confinement

  /**
   * Turns the model's path into a place inside the worktree, or refuses. The textual checks stop
   * the obvious escapes; the realpath of the deepest existing ancestor stops the symlinked ones,
   * including for files that do not exist yet.
   */
  private async resolve(relPath: string, opts: { allowRoot?: boolean } = {}): Promise<ResolvedPath> {
    if (relPath.includes('\0')) throw new EditRefusal('The path contains a NUL character.');
    if (path.isAbsolute(relPath) || /^[a-zA-Z]:/.test(relPath) || relPath.startsWith('\\') || relPath.startsWith('~')) {
      throw new EditRefusal(
        `"${relPath}" is an absolute path. Use a path relative to the repository root, such as "src/index.ts".`,
      );
    }
    const parts = relPath.split(/[\\/]+/).filter((p) => p !== '' && p !== '.');
    if (parts.includes('..')) throw new EditRefusal(`"${relPath}" leaves the repository ("..") and was refused.`);
    if (parts.some(isGitDirName)) throw new EditRefusal(`"${relPath}" is inside .git, which cannot be read or changed.`);
    if (parts.length === 0 && !opts.allowRoot) throw new EditRefusal('The path names the repository root; give a file path.');

    const lexical = path.join(this.root, ...parts);
    const { existing, exists } = await deepestExisting(this.root, lexical);
    let real: string;
    try {
      real = await fs.realpath(existing);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new EditRefusal(`"${relPath}" goes through a symbolic link whose target does not exist; it was refused.`);
      }
      throw err;
    }
    const realRelative = path.relative(this.root, real);
    if (realRelative === '..' || realRelative.startsWith(`..${path.sep}`) || path.isAbsolute(realRelative)) {
      throw new EditRefusal(`"${relPath}" resolves through a symbolic link to outside the repository; it was refused.`);
    }
    const absolute = path.join(real, path.relative(existing, lexical));
    const relative = path.relative(this.root, absolute).split(path.sep).join('/');
    if (relative.split('/').some(isGitDirName)) {
      throw new EditRefusal(`"${relPath}" resolves into .git, which cannot be read or changed.`);
    }
    return { absolute, relative: relative || '.', exists };
  }

  /** Raw text of a file under the same confinement as the tool (for proposals of infrastructure files). */
  async readFile(relPath: string): Promise<string> {
    return this.readText(await this.existingFile(relPath));
  }

  private async existingFile(relPath: string): Promise<ResolvedPath> {
    const target = await this.resolve(relPath);
    if (!target.exists) throw new EditRefusal(`${target.relative} does not exist. Use create to make a new file.`);
    if ((await fs.stat(target.absolute)).isDirectory()) throw new EditRefusal(`${target.relative} is a directory, not a file.`);
    return target;
  }

  // ---------------------------------------------------------------- io

  private async readText(target: ResolvedPath): Promise<string> {
    const stat = await fs.stat(target.absolute);
    if (stat.size > MAX_FILE_BYTES) {
      throw new EditRefusal(`${target.relative} is ${stat.size} bytes, more than the ${MAX_FILE_BYTES}-byte limit of this tool.`);
    }
    const bytes = await fs.readFile(target.absolute);
    if (bytes.subarray(0, 8192).includes(0)) throw new EditRefusal(`${target.relative} is a binary file and cannot be viewed or edited as text.`);
    return bytes.toString('utf8');
  }

  /** Temp file in the same directory, then rename: a crash leaves the old or the new file, never half of one. */
  private async write(target: ResolvedPath, text: string): Promise<void> {
    const dir = path.dirname(target.absolute);
    const tmp = path.join(dir, `.${path.basename(target.absolute)}.${randomBytes(6).toString('hex')}.rig-tmp`);
    const mode = target.exists ? (await fs.stat(target.absolute)).mode & 0o777 : 0o644;
    const handle = await fs.open(tmp, 'wx', mode);
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await fs.rename(tmp, target.absolute);
    } catch (err) {
      await fs.rm(tmp, { force: true });
      throw err;
    }
    this.changed.add(target.relative);
  }

  private async listDirectory(target: ResolvedPath): Promise<string> {
    const entries: string[] = [];
    let clipped = false;
    const walk = async (dir: string, depth: number): Promise<void> => {
      const children = (await fs.readdir(dir, { withFileTypes: true }))
        .filter((d) => !isGitDirName(d.name))
        .sort((a, b) => a.name.localeCompare(b.name));
      for (const child of children) {
        if (entries.length >= MAX_LISTING_ENTRIES) {
          clipped = true;
          return;
        }
        const full = path.join(dir, child.name);
        const rel = path.relative(this.root, full).split(path.sep).join('/');
        // Symlinks are listed (marked @) but never entered: what they point at may live outside.
        entries.push(child.isDirectory() ? `${rel}/` : child.isSymbolicLink() ? `${rel}@` : rel);
        if (child.isDirectory() && depth < 2) await walk(full, depth + 1);
      }
    };
    await walk(target.absolute, 1);
    const header = `Files and directories up to 2 levels deep in ${target.relative === '.' ? 'the repository root' : target.relative}, excluding .git:`;
    return [header, ...entries, ...(clipped ? [`<listing clipped at ${MAX_LISTING_ENTRIES} entries; view a subdirectory>`] : [])].join('\n');
  }
}

// ---------------------------------------------------------------- helpers

async function outcomeOf(run: () => Promise<string>): Promise<EditorOutcome> {
  try {
    return { text: await run(), isError: false };
  } catch (err) {
    if (err instanceof EditRefusal) return { text: err.message, isError: true };
    const refusal = refusalForFsError(err);
    if (refusal) return { text: refusal, isError: true };
    throw err;
  }
}

function parseInput<T>(schema: z.ZodType<T>, input: unknown): T {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw new EditRefusal(`Invalid tool input: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

function tooLargeForWholeFile(target: ResolvedPath, chars: number): EditRefusal {
  return new EditRefusal(
    `${target.relative} has ${chars} characters, more than the ${MAX_VIEW_CHARS} that can be read and rewritten whole; it cannot be changed in whole-file mode.`,
  );
}

/** Case-insensitive because macOS and Windows file systems are: ".GIT" is the same directory. */
function isGitDirName(name: string): boolean {
  return name.toLowerCase() === '.git';
}

async function deepestExisting(root: string, lexical: string): Promise<{ existing: string; exists: boolean }> {
  let current = lexical;
  let exists = true;
  for (;;) {
    try {
      // lstat, not stat: a dangling symlink exists as an entry and must be judged, not skipped.
      await fs.lstat(current);
      return { existing: current, exists };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw err;
    }
    exists = false;
    if (current === root) return { existing: root, exists };
    current = path.dirname(current);
  }
}

function unchanged(target: ResolvedPath): EditRefusal {
  return new EditRefusal(
    `No replacement was performed: written in ${target.relative}'s own line endings, indentation and characters, new_str is the text already there, so nothing would change.`,
  );
}

function refusalForFsError(err: unknown): string | null {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  switch (code) {
    case 'ENOENT':
      return 'The file does not exist (it may have been removed).';
    case 'EACCES':
    case 'EPERM':
      return 'Permission denied for that path.';
    case 'ENOTDIR':
      return 'A component of the path is a file, not a directory.';
    case 'EISDIR':
      return 'The path is a directory, not a file.';
    default:
      return null;
  }
}

function displayName(target: ResolvedPath): string {
  return target.relative === '.' ? 'The repository root' : target.relative;
}

function splitLines(text: string): string[] {
  if (text.length === 0) return [];
  return (text.endsWith('\n') ? text.slice(0, -1) : text).split('\n');
}

function numberLines(lines: string[], firstNumber: number): string {
  return lines.map((line, i) => `${String(firstNumber + i).padStart(6)}\t${line}`).join('\n') + (lines.length ? '\n' : '');
}

/** Every start position, overlapping ones included, so "many matches" reports each ambiguous spot. */
function occurrences(text: string, needle: string): number[] {
  const found: number[] = [];
  for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + 1)) found.push(at);
  return found;
}

function lineOf(text: string, index: number): number {
  let line = 1;
  for (let i = 0; i < index; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

function snippet(text: string, firstLine: number, lastLine: number): string {
  const lines = splitLines(text);
  const from = Math.max(1, firstLine - SNIPPET_CONTEXT_LINES);
  const to = Math.min(lines.length, Math.max(lastLine, firstLine) + SNIPPET_CONTEXT_LINES);
  return numberLines(lines.slice(from - 1, to), from);
}
