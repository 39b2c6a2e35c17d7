// The CommandRunner the engine uses: each rig.yaml command says where it runs.
import type { CommandConfig } from '../../core/config/schema';
import type { CommandOutcome } from '../../core/model';
import type { CommandRunner, RunContext } from '../../core/ports';
import { LocalCommandRunner, type LocalRunnerOptions } from './local-runner';
import { SshCommandRunner, type SshRunnerOptions } from './ssh-runner';

export interface TransportRunnerOptions {
  local?: LocalRunnerOptions;
  ssh?: SshRunnerOptions;
}

export class TransportCommandRunner implements CommandRunner {
  private readonly local: CommandRunner;
  private readonly ssh: CommandRunner;

  constructor(options: TransportRunnerOptions = {}) {
    this.local = new LocalCommandRunner(options.local);
    this.ssh = new SshCommandRunner(options.ssh);
  }

  run(command: CommandConfig, ctx: RunContext): Promise<CommandOutcome> {
    const transport = command.transport as { type: string };
    switch (transport.type) {
      case 'local':
        return this.local.run(command, ctx);
      case 'ssh':
        return this.ssh.run(command, ctx);
      default:
        // Validation refuses other transports; a config built in code could still carry one.
        return Promise.reject(new Error(`command "${command.name}": unknown transport type ${JSON.stringify(transport.type)}`));
    }
  }
}
