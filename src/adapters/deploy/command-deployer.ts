// The Deployer the engine uses: `custom` runs rig.yaml commands through a CommandRunner (so they
// may go over SSH), `docker-compose` runs `docker compose` itself.
import type { DeployConfig } from '../../core/config/schema';
import type { DeployOutcome } from '../../core/model';
import type { CommandRunner, Deployer, RunContext } from '../../core/ports';
import { Compose, type ComposeOptions } from './compose';
import { runInOrder } from './run-in-order';

// Validation only lets through methods Rig really runs; one that slips past (a config built in
// code, a schema change) must fail loudly rather than "deploy" by doing nothing.
const unsupported = (config: DeployConfig, what: string): Error =>
  new Error(`${what} method ${JSON.stringify((config as { method: unknown }).method)} is not supported by Rig (use custom or docker-compose)`);

export class CommandDeployer implements Deployer {
  private readonly compose: Compose;

  constructor(
    private readonly runner: CommandRunner,
    options: ComposeOptions = {},
  ) {
    this.compose = new Compose(options);
  }

  deploy(config: DeployConfig, ctx: RunContext): Promise<DeployOutcome> {
    switch (config.method) {
      case 'custom':
        return runInOrder(this.runner, config.config.commands, ctx);
      case 'docker-compose':
        return this.compose.up(config.config, ctx);
      default:
        return Promise.reject(unsupported(config, 'deploy'));
    }
  }

  /**
   * Runs deploy.rollback when it is configured and enabled. Without one, a docker-compose deploy
   * is taken down (`docker compose down`, volumes kept) so a failed attempt leaves no half-started
   * containers; a custom deploy has nothing Rig could safely guess, so null.
   */
  async rollback(config: DeployConfig, ctx: RunContext): Promise<DeployOutcome | null> {
    const rollback = config.rollback;
    if (rollback) {
      if (!rollback.enabled) return null;
      if (rollback.method !== 'custom') throw unsupported(rollback as unknown as DeployConfig, 'rollback');
      return runInOrder(this.runner, rollback.config.commands, ctx);
    }
    switch (config.method) {
      case 'custom':
        return null;
      case 'docker-compose':
        return this.compose.down(config.config, ctx);
      default:
        throw unsupported(config, 'deploy');
    }
  }
}
