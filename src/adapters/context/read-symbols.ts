// Reads the project's own source files and extracts their definitions, within limits on file size,
// total bytes and time, so that a repository with a 2 GB data file or a million files still maps.
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
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
  for (let start = 0; start < queue.length; start += BATCH) {
    // Synchronous reads are an order of magnitude faster than fs.promises for many small files
    // (no thread-pool round trip per call); yielding between batches keeps timers, the git
    // searches' output and the abort signal flowing.
    if (start > 0) await new Promise((r) => setImmediate(r));
    if (limits.signal?.aborted) throw new MapAbortedError();
    if (Date.now() > deadline || totalBytes >= limits.maxTotalBytes) {
      return { symbols, read, skippedForLimits: queue.length - start };
    }
    for (const item of queue.slice(start, start + BATCH)) {
      const text = readText(path.join(root, item.file), limits.maxFileBytes);
      if (text === null) continue;
      totalBytes += text.length;
      read++;
      const lang = item.lang === 'sniff' ? languageFromShebang(text.split('\n', 1)[0]!) : item.lang;
      if (!lang) continue;
      const found = extractSymbols(text, lang);
      if (found.length > 0) symbols.set(item.file, found);
    }
  }
  return { symbols, read, skippedForLimits: 0 };
}

/** Files read between yields to the event loop. */
const BATCH = 200;

const OPEN_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/**
 * The file's text, or null when it is not a regular file (a symlink could point anywhere, a FIFO
 * would block), is too large, is binary, or has gone since git listed it.
 */
function readText(file: string, maxBytes: number): string | null {
  let fd: number;
  try {
    fd = openSync(file, OPEN_FLAGS);
  } catch (err) {
    if (UNREADABLE.has((err as NodeJS.ErrnoException).code ?? '')) return null;
    throw err;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.size > maxBytes) return null;
    const buf = Buffer.allocUnsafe(st.size);
    let got = 0;
    while (got < st.size) {
      const n = readSync(fd, buf, got, st.size - got, got);
      if (n === 0) break;
      got += n;
    }
    const data = buf.subarray(0, got);
    if (data.subarray(0, 8000).includes(0)) return null;
    return data.toString('utf8');
  } finally {
    closeSync(fd);
  }
}

const UNREADABLE = new Set(['ENOENT', 'EACCES', 'EISDIR', 'ELOOP', 'ENOTDIR', 'ENXIO', 'EPERM']);
