// Numbers and times as people read them, in the same units the CLI prints.
import { TERMINAL_PHASES, type Phase } from '../../src/core/model';

/** "42s", "3m07s", "2h05m": the CLI's elapsed format, so both front doors agree. */
export function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** Sub-second precision matters for steps and commands, not for whole tasks. */
export function stepDuration(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)}s` : duration(ms);
}

export function elapsed(startIso: string, endIso: string | null | undefined, now: number): string {
  const end = endIso ? Date.parse(endIso) : now;
  return duration(end - Date.parse(startIso));
}

export function between(startIso: string, endIso: string | undefined): number | undefined {
  return endIso ? Date.parse(endIso) - Date.parse(startIso) : undefined;
}

export function cost(usd: number): string {
  return usd >= 1 ? `$${usd.toFixed(2)}` : `$${usd.toFixed(4)}`;
}

export function tokens(n: number): string {
  return n >= 1_000_000 ? `${(n / 1_000_000).toFixed(1)}M` : n >= 10_000 ? `${Math.round(n / 1000)}k` : String(n);
}

export function clock(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}

export function shortTime(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleTimeString(undefined, { hour12: false });
}

export function phaseLabel(phase: Phase): string {
  return phase.replace(/_/g, ' ');
}

export function isTerminal(phase: Phase): boolean {
  return TERMINAL_PHASES.includes(phase);
}

export type BoardGroup = 'running' | 'awaiting' | 'failed' | 'completed';

/** Where a task sits on the board: stopped tasks (cancelled, timed out…) need a human like failed ones. */
export function groupOf(phase: Phase): BoardGroup {
  if (phase === 'completed') return 'completed';
  if (phase === 'awaiting_approval') return 'awaiting';
  if (isTerminal(phase)) return 'failed';
  return 'running';
}
