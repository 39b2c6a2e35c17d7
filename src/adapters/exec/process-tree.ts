// Runs one child process as the leader of its own process group, so that stopping it stops
// everything it started: a timeout or a cancel signals the group (SIGTERM, a grace period,
// SIGKILL), never just the leader, and no grandchild is left holding a port or a file.
import { spawn } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';

export const DEFAULT_GRACE_MS = 5_000;
export const DEFAULT_MAX_OUTPUT_CHARS = 256 * 1024;

/**
 * After the leader exits, how long processes it left behind may keep the output pipes open.
 * One that still holds them after this is part of the command and is ended with it; one that
 * redirected its output elsewhere (a server started on purpose) is left running.
 */
const POST_EXIT_DRAIN_MS = 1_000;
/** A line longer than this is passed on in pieces rather than buffered without bound. */
const MAX_LINE_CHARS = 16 * 1024;
/** setTimeout fires at once for anything longer (about 24.8 days); rig.yaml allows "30d". */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface ProcessSpec {
  /** Absolute path of the executable; see findExecutable. */
  file: string;
  /** Passed as an argument vector: no shell ever parses them. */
  args: string[];
  cwd: string;
  env: Record<string, string>;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Time between SIGTERM and SIGKILL (and, with keepStdinOpen, between closing stdin and SIGTERM). */
  graceMs?: number;
  maxOutputChars?: number;
  /** Written to the child's stdin; the child gets no stdin otherwise. */
  stdin?: string;
  /**
   * Leave stdin open after `stdin` is written, and make closing it the first step of a stop: for
   * an ssh client whose remote side watches its stdin and ends the remote command on EOF.
   */
  keepStdinOpen?: boolean;
  onLine?(line: string): void;
}

export interface ProcessResult {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  aborted: boolean;
  durationMs: number;
  /** stdout and stderr interleaved as they arrived, with Rig's own notes as `[rig] …` lines. */
  output: string;
}

/** A tool Rig runs could not be started at all (not installed, not executable). */
export class SpawnError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SpawnError';
  }
}

/**
 * The absolute path of `name` on `pathVar`, or null. Relative PATH entries are skipped: they
 * would resolve against the task's worktree, where code the AI wrote could provide a `bash`.
 */
export function findExecutable(name: string, pathVar: string | undefined): string | null {
  for (const dir of (pathVar ?? '').split(path.delimiter)) {
    if (!path.isAbsolute(dir)) continue;
    const candidate = path.join(dir, name);
    try {
      if (!statSync(candidate).isFile()) continue;
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; keep looking
    }
  }
  return null;
}

export function runProcessTree(spec: ProcessSpec): Promise<ProcessResult> {
  const graceMs = spec.graceMs ?? DEFAULT_GRACE_MS;
  const output = new OutputCollector(spec.maxOutputChars ?? DEFAULT_MAX_OUTPUT_CHARS, spec.onLine);
  const started = performance.now();
  if (spec.signal?.aborted) {
    output.note('cancelled before it started');
    return Promise.resolve({ exitCode: null, signal: null, timedOut: false, aborted: true, durationMs: 0, output: output.text() });
  }

  return new Promise((resolve, reject) => {
    const child = spawn(spec.file, spec.args, {
      cwd: spec.cwd,
      env: spec.env,
      detached: true,
      stdio: [spec.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    const timers = new Set<NodeJS.Timeout>();
    const later = (ms: number, fn: () => void) => {
      const t = setTimeout(() => {
        timers.delete(t);
        fn();
      }, ms);
      timers.add(t);
      return t;
    };
    let stopping: 'timeout' | 'abort' | null = null;
    let exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
    let settled = false;

    const signalGroup = (sig: NodeJS.Signals) => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, sig);
      } catch {
        // ESRCH: the whole group is already gone.
      }
    };
    const terminate = (then?: () => void) => {
      signalGroup('SIGTERM');
      later(graceMs, () => {
        signalGroup('SIGKILL');
        if (then) later(200, then);
      });
    };

    const stop = (why: 'timeout' | 'abort') => {
      if (stopping || exit || settled) return;
      stopping = why;
      output.note(why === 'timeout' ? `timed out after ${formatMs(spec.timeoutMs)}; stopping the process group` : 'cancelled; stopping the process group');
      if (spec.keepStdinOpen && child.stdin) {
        child.stdin.end();
        later(graceMs, () => terminate());
      } else {
        terminate();
      }
    };

    const onAbort = () => stop('abort');
    const timeout = later(Math.min(spec.timeoutMs, MAX_TIMER_MS), () => stop('timeout'));

    const finish = (error?: Error) => {
      if (settled) return;
      settled = true;
      for (const t of timers) clearTimeout(t);
      spec.signal?.removeEventListener('abort', onAbort);
      child.stdin?.destroy();
      child.stdout?.destroy();
      child.stderr?.destroy();
      output.flush();
      if (error) return reject(error);
      resolve({
        exitCode: exit?.code ?? null,
        signal: exit?.signal ?? null,
        timedOut: stopping === 'timeout',
        aborted: stopping === 'abort',
        durationMs: Math.round(performance.now() - started),
        output: output.text(),
      });
    };

    child.on('error', (err: NodeJS.ErrnoException) => {
      // Only a failed start reaches here with no pid; later errors (a failed kill) are not fatal.
      if (child.pid !== undefined) return;
      const hint = err.code === 'ENOENT' ? 'not found' : err.code === 'EACCES' ? 'not executable' : err.message;
      finish(new SpawnError(`could not start ${spec.file}: ${hint}`));
    });
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => output.push('out', chunk));
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => output.push('err', chunk));
    if (child.stdin) {
      // The child may exit without reading its stdin; that is its business, not an error here.
      child.stdin.on('error', () => {});
      child.stdin.write(spec.stdin ?? '');
      if (!spec.keepStdinOpen) child.stdin.end();
    }

    child.on('exit', (code, signal) => {
      exit = { code, signal };
      clearTimeout(timeout);
      timers.delete(timeout);
      later(POST_EXIT_DRAIN_MS, () => {
        output.note('the command exited but processes it started still held its output; ending them');
        // A process that left the group (setsid) and kept the pipes would hold them forever.
        terminate(() => finish());
      });
    });
    child.on('close', () => finish());

    if (child.pid !== undefined) spec.signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/**
 * The combined output, capped: the first quarter of the budget is kept from the start (how the
 * command began) and the rest from the end (where failures are), with a note of what was cut.
 */
export class OutputCollector {
  private head = '';
  private readonly headLimit: number;
  private readonly tailLimit: number;
  private tail: string[] = [];
  private tailLength = 0;
  private cut = 0;
  private partial: Record<'out' | 'err', string> = { out: '', err: '' };

  constructor(
    maxChars: number,
    private readonly onLine?: (line: string) => void,
  ) {
    this.headLimit = Math.floor(maxChars / 4);
    this.tailLimit = maxChars - this.headLimit;
  }

  push(stream: 'out' | 'err', chunk: string): void {
    this.append(chunk);
    // Lines are split per stream so that stdout and stderr never splice into one line.
    let text = this.partial[stream] + chunk;
    let nl: number;
    while ((nl = text.indexOf('\n')) !== -1) {
      this.emit(text.slice(0, nl));
      text = text.slice(nl + 1);
    }
    while (text.length > MAX_LINE_CHARS) {
      this.emit(text.slice(0, MAX_LINE_CHARS));
      text = text.slice(MAX_LINE_CHARS);
    }
    this.partial[stream] = text;
  }

  /** A line of Rig's own, in the output and the stream. */
  note(message: string): void {
    this.flush();
    const line = `[rig] ${message}`;
    this.append(`${this.endsWithNewline() ? '' : '\n'}${line}\n`);
    this.emit(line);
  }

  flush(): void {
    for (const stream of ['out', 'err'] as const) {
      if (this.partial[stream]) this.emit(this.partial[stream]);
      this.partial[stream] = '';
    }
  }

  text(): string {
    const marker = this.cut > 0 ? `${this.head.endsWith('\n') ? '' : '\n'}[rig] … ${this.cut} characters of output cut …\n` : '';
    return this.head + marker + this.tail.join('');
  }

  private endsWithNewline(): boolean {
    const last = this.tailLength > 0 ? this.tail[this.tail.length - 1]! : this.head;
    return last === '' || last.endsWith('\n');
  }

  private append(chunk: string): void {
    if (this.head.length < this.headLimit && this.cut === 0 && this.tailLength === 0) {
      const room = this.headLimit - this.head.length;
      this.head += chunk.slice(0, room);
      chunk = chunk.slice(room);
    }
    if (!chunk) return;
    this.tail.push(chunk);
    this.tailLength += chunk.length;
    while (this.tailLength > this.tailLimit) {
      const excess = this.tailLength - this.tailLimit;
      const first = this.tail[0]!;
      if (first.length <= excess) {
        this.tail.shift();
        this.tailLength -= first.length;
        this.cut += first.length;
      } else {
        this.tail[0] = first.slice(excess);
        this.tailLength -= excess;
        this.cut += excess;
      }
    }
  }

  private emit(line: string): void {
    if (!this.onLine) return;
    try {
      this.onLine(line.endsWith('\r') ? line.slice(0, -1) : line);
    } catch {
      // A failing listener must not break the command it listens to.
    }
  }
}
