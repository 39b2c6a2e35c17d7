import type { Phase } from '../core/model';

/** Documented in the README; scripts depend on them. */
export const EXIT = {
  ok: 0,
  /** The task failed, or the command could not do what was asked. */
  failed: 1,
  /** Bad usage or an invalid rig.yaml. */
  usage: 2,
  /** The task waits for a human decision (rig approve / rig reject). */
  awaitingApproval: 3,
  /** The task was cancelled, timed out or interrupted. */
  stopped: 4,
  /** Interrupted by Ctrl-C. */
  sigint: 130,
} as const;

export function exitCodeFor(status: Phase): number {
  switch (status) {
    case 'completed':
      return EXIT.ok;
    case 'awaiting_approval':
      return EXIT.awaitingApproval;
    case 'cancelled':
    case 'timed_out':
    case 'interrupted':
      return EXIT.stopped;
    default:
      return EXIT.failed;
  }
}
