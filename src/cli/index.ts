import { main } from './main';

void main(process.argv).then((code) => {
  // Let piped stdout drain before leaving; open sockets (keep-alive) must not keep the CLI alive.
  process.stdout.write('', () => process.exit(code));
});
