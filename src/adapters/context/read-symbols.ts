// Reads the project's own source files and extracts their definitions, within limits on file size,
// total bytes and time, so that a repository with a 2 GB data file or a million files still maps.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { exclusionOf, languageFromShebang, languageOf, type Language } from './file-kinds';
import { MapAbortedError } from './git-search';
import { extractSymbols, type CodeSymbol } from './symbols';

export interface ReadLimits {
  /** Larger files are listed but not read: generated code and data, not something to map. */
  maxFileBytes: number;
  /** Reading stops after this many bytes in total. */
  maxTotalBytes: number;
  /** Reading stops after this long; what was read so far is used. */
  timeBudgetMs: number;
  concurrency: number;
  signal?: AbortSignal;
}

export interface SymbolReadResult {
  symbols: Map<string, CodeSymbol[]>;
  /** Files read for definitions. */
  read: number;
  /** Source files left unread because a limit was reached. */
  skippedForLimits: number;
}

/** Whether a path is worth opening at all: a language by name, or no extension (maybe a script). */
function candidateLanguage(file: string): Language | 'sniff' | null {
  if (exclusionOf(file)) return null;
  const lang = languageOf(file);
  if (lang) return lang;
  return path.posix.basename(file).includes('.') ? null : 'sniff';
}

export async function readSymbols(root: string, files: string[], limits: ReadLimits): Promise<SymbolReadResult> {
  const symbols = new Map<string, CodeSymbol[]>();
  const queue = files.flatMap((f) => {
    const lang = candidateLanguage(f);
    return lang ? [{ file: f, lang }] : [];
  });
  const deadline = Date.now() + limits.timeBudgetMs;
  let totalBytes = 0;
  let read = 0;
  let skipped = 0;
  let next = 0;

  const worker = async () => {
    while (next < queue.length) {
      if (limits.signal?.aborted) throw new MapAbortedError();
      const item = queue[next++]!;
      if (Date.now() > deadline || totalBytes >= limits.maxTotalBytes) {
        skipped++;
        continue;
      }
      const text = await readText(path.join(root, item.file), limits.maxFileBytes);
      if (text === null) continue;
      totalBytes += text.length;
      read++;
      const lang = item.lang === 'sniff' ? languageFromShebang(text.split('\n', 1)[0]!) : item.lang;
      if (!lang) continue;
      const found = extractSymbols(text, lang);
      if (found.length > 0) symbols.set(item.file, found);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, limits.concurrency) }, worker));
  return { symbols, read, skippedForLimits: skipped };
}

/**
 * The file's text, or null when it is not a regular file (symlinks could point anywhere, including
 * outside the repository), is too large, is binary, or has gone since git listed it.
 */
async function readText(file: string, maxBytes: number): Promise<string | null> {
  try {
    const st = await fs.lstat(file);
    if (!st.isFile() || st.size > maxBytes) return null;
    const buf = await fs.readFile(file);
    if (buf.subarray(0, 8000).includes(0)) return null;
    return buf.toString('utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR' || code === 'ELOOP' || code === 'ENOTDIR') return null;
    throw err;
  }
}
