// A real OpenSSH server on 127.0.0.1 for tests: its own host key, one authorised client key, a
// random free port, everything in a temporary directory that stop() removes.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, promises as fs } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface SshdServer {
  host: '127.0.0.1';
  port: number;
  /** The account the client logs in as: the one running the tests. */
  user: string;
  /** Private key the server accepts (mode 0600). */
  clientKey: string;
  /** A known_hosts file holding exactly this server's host key. */
  knownHosts: string;
  /** The `[127.0.0.1]:port` name known_hosts lines use for this server. */
  hostPattern: string;
  dir: string;
  /** Generates a fresh ed25519 key pair in the server's directory; returns the private key path. */
  newKey(name: string): Promise<string>;
  stop(): Promise<void>;
}

const SSHD_CANDIDATES = ['/usr/sbin/sshd', '/usr/local/sbin/sshd', '/sbin/sshd'];

export function findSshd(): string | null {
  return SSHD_CANDIDATES.find((p) => existsSync(p)) ?? null;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function keyPair(file: string): Promise<void> {
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'rig-test', '-f', file]);
}

/** Waits for sshd's "Server listening" line; rejects with what it said if it exits first. */
function listening(child: ChildProcess, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let said = '';
    const timer = setTimeout(() => reject(new Error(`sshd did not start within ${timeoutMs} ms:\n${said}`)), timeoutMs);
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      said += chunk;
      if (said.includes('Server listening on')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`sshd exited with code ${code}:\n${said}`));
    });
  });
}

export async function startSshd(): Promise<SshdServer> {
  const sshd = findSshd();
  if (!sshd) {
    throw new Error('sshd not found: the SSH tests need a real OpenSSH server; install it with `apt-get install -y openssh-server`');
  }
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'rig-sshd-'));
  const user = os.userInfo().username;
  const hostKey = path.join(dir, 'host_ed25519');
  const clientKey = path.join(dir, 'client_ed25519');
  await Promise.all([keyPair(hostKey), keyPair(clientKey)]);
  const authorized = path.join(dir, 'authorized_keys');
  await fs.copyFile(`${clientKey}.pub`, authorized);
  // Privilege separation needs this directory when sshd runs as root.
  if (process.getuid?.() === 0) mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });

  let lastError: unknown;
  for (let tries = 0; tries < 5; tries++) {
    const port = await freePort();
    const config = path.join(dir, 'sshd_config');
    await fs.writeFile(
      config,
      [
        `Port ${port}`,
        'ListenAddress 127.0.0.1',
        `HostKey ${hostKey}`,
        `PidFile ${path.join(dir, 'sshd.pid')}`,
        `AuthorizedKeysFile ${authorized}`,
        `AllowUsers ${user}`,
        'UsePAM no',
        // The temporary directory's modes are not what StrictModes expects of a home directory.
        'StrictModes no',
        'AuthenticationMethods publickey',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'PermitRootLogin prohibit-password',
        'PermitUserEnvironment no',
        'AllowTcpForwarding no',
        'X11Forwarding no',
        'LogLevel INFO',
        '',
      ].join('\n'),
    );
    const child = spawn(sshd, ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    try {
      await listening(child, 10_000);
    } catch (err) {
      child.kill('SIGKILL');
      lastError = err;
      if (String(err).includes('Address already in use')) continue;
      await fs.rm(dir, { recursive: true, force: true });
      throw err;
    }
    const hostPattern = `[127.0.0.1]:${port}`;
    const knownHosts = path.join(dir, 'known_hosts');
    const hostPub = (await fs.readFile(`${hostKey}.pub`, 'utf8')).trim().split(' ').slice(0, 2).join(' ');
    await fs.writeFile(knownHosts, `${hostPattern} ${hostPub}\n`);
    return {
      host: '127.0.0.1',
      port,
      user,
      clientKey,
      knownHosts,
      hostPattern,
      dir,
      async newKey(name) {
        const file = path.join(dir, name);
        await keyPair(file);
        return file;
      },
      async stop() {
        if (child.exitCode === null && child.signalCode === null) {
          const exited = new Promise((resolve) => child.once('exit', resolve));
          child.kill('SIGTERM');
          await exited;
        }
        await fs.rm(dir, { recursive: true, force: true });
      },
    };
  }
  await fs.rm(dir, { recursive: true, force: true });
  throw lastError;
}
