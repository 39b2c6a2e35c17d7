// Runs in a separate process: `claim <stateDir> <id>` holds a task until killed;
// `probe <stateDir> <id>` prints what another process sees.
import { FileTaskStore } from '../../src/adapters/store/file-task-store';

const [mode, dir, id] = process.argv.slice(2) as [string, string, string];
const store = new FileTaskStore(dir);
if (mode === 'claim') {
  void store.claim(id).then((ok) => {
    process.stdout.write(ok ? 'claimed\n' : 'refused\n');
    setInterval(() => {}, 1000);
  });
} else {
  void Promise.all([store.get(id), store.claim(id), store.ownedElsewhere(id)]).then(([t, c, o]) =>
    process.stdout.write(JSON.stringify([t?.status, c, o])),
  );
}
