import type { CommandConfig } from '../../core/config/schema';
import type { CommandOutcome, DeployOutcome } from '../../core/model';
import type { CommandRunner, RunContext } from '../../core/ports';

export const succeeded = (outcome: CommandOutcome): boolean => outcome.exitCode === 0 && !outcome.timedOut;

/** Runs commands one after another; the first that fails (or a cancel) ends the sequence. */
export async function runInOrder(runner: CommandRunner, commands: CommandConfig[], ctx: RunContext): Promise<DeployOutcome> {
  const outcomes: CommandOutcome[] = [];
  for (const command of commands) {
    const outcome = await runner.run(command, ctx);
    outcomes.push(outcome);
    if (!succeeded(outcome) || ctx.signal.aborted) return { success: false, commands: outcomes };
  }
  return { success: true, commands: outcomes };
}
