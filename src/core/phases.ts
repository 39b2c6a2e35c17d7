import { TERMINAL_PHASES, type Phase } from './model';

/**
 * Every move a task may make. The engine goes through `assertTransition`, so a bug that would
 * skip a phase (deploy before commit, report after failure) fails loudly instead of lying.
 */
const TRANSITIONS: Record<Phase, readonly Phase[]> = {
  // A new task starts at planning, or at the first selected step; a resumed one where it stopped.
  queued: ['planning', 'coding', 'committing', 'awaiting_approval', 'deploying', 'testing', 'reporting', 'rollback'],
  planning: ['coding'],
  coding: ['committing', 'reporting', 'rollback'],
  committing: ['awaiting_approval', 'deploying', 'testing', 'reporting', 'completed'],
  awaiting_approval: ['committing', 'deploying'],
  deploying: ['testing', 'awaiting_approval', 'reporting', 'rollback', 'completed'],
  testing: ['reporting', 'coding', 'rollback', 'completed'],
  reporting: ['completed'],
  rollback: ['failed', 'timed_out', 'cancelled'],
  completed: [],
  // A finished task that did not succeed can be run again by a human (retry / resume).
  failed: ['queued'],
  cancelled: ['queued'],
  interrupted: ['queued'],
  timed_out: ['queued'],
};

/** Ending states reachable from any live phase: a run can always fail, be cancelled or time out. */
const ALWAYS_ALLOWED: readonly Phase[] = ['failed', 'cancelled', 'timed_out', 'interrupted'];

export function isTerminal(phase: Phase): boolean {
  return TERMINAL_PHASES.includes(phase);
}

export function canTransition(from: Phase, to: Phase): boolean {
  if (isTerminal(from)) return TRANSITIONS[from].includes(to);
  return TRANSITIONS[from].includes(to) || ALWAYS_ALLOWED.includes(to);
}

export class InvalidTransitionError extends Error {
  constructor(
    readonly from: Phase,
    readonly to: Phase,
  ) {
    super(`invalid phase transition ${from} → ${to}`);
    this.name = 'InvalidTransitionError';
  }
}

export function assertTransition(from: Phase, to: Phase): void {
  if (!canTransition(from, to)) throw new InvalidTransitionError(from, to);
}
