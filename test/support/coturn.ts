import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { stunBinding, type StunServer } from '../../shared/turn/stun';

// A real coturn (Debian's `turnserver`) on 127.0.0.1 for the integration tests. Its own config
// file: Debian's default logs to syslog and listens on every interface.

export const LOOPBACK = '127.0.0.1';

export interface CoturnOptions {
  secret: string;
  realm?: string;
  /** Also listen for TLS on a second port, with a self-signed certificate for 127.0.0.1. */
  tls?: boolean;
}

export interface RunningCoturn {
  host: typeof LOOPBACK;
  port: number;
  tlsPort: number | undefined;
  /** The self-signed certificate (PEM) to trust for the TLS port. */
  ca: string | undefined;
  realm: string;
  pid: number;
  /** coturn's own log, for failure messages. */
  log(): string;
  stop(): Promise<void>;
}

export function turnserverPath(): string | undefined {
  const found = spawnSync('sh', ['-c', 'command -v turnserver'], { encoding: 'utf8' });
  return found.status === 0 ? found.stdout.trim() : undefined;
}

export async function startCoturn(options: CoturnOptions): Promise<RunningCoturn> {
  const binary = turnserverPath();
  if (!binary) throw new Error("turnserver not found: install Debian's coturn (apt-get install -y coturn)");
  const dir = mkdtempSync(join(tmpdir(), 'coturn-test-'));
  const realm = options.realm ?? 'probe.test';
  const port = await freePort();
  const tlsPort = options.tls ? await freePort() : undefined;
  // A small relay range of our own; a clash with another run only costs coturn a retry.
  const minPort = 49152 + Math.floor(Math.random() * 1600) * 10;

  let ca: string | undefined;
  const lines = [
    `listening-ip=${LOOPBACK}`,
    `relay-ip=${LOOPBACK}`,
    `listening-port=${port}`,
    `min-port=${minPort}`,
    `max-port=${minPort + 9}`,
    'use-auth-secret',
    `static-auth-secret=${options.secret}`,
    `realm=${realm}`,
    'fingerprint',
    'no-cli',
    'no-dtls',
    'no-multicast-peers',
    `userdb=${join(dir, 'turndb')}`,
    `pidfile=${join(dir, 'turnserver.pid')}`,
    `log-file=${join(dir, 'turnserver.log')}`,
    'simple-log',
    'no-stdout-log',
  ];
  if (tlsPort !== undefined) {
    const cert = join(dir, 'cert.pem');
    const key = join(dir, 'key.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    ca = readFileSync(cert, 'utf8');
    lines.push(`tls-listening-port=${tlsPort}`, `cert=${cert}`, `pkey=${key}`);
  } else {
    lines.push('no-tls');
  }
  const listeners: StunServer[] = [{ host: LOOPBACK, port, transport: 'udp' }];
  if (tlsPort !== undefined) listeners.push({ host: LOOPBACK, port: tlsPort, transport: 'tls', ca });
  const { pid, log, stop } = await runTurnserver(binary, dir, `${lines.join('\n')}\n`, listeners, 'coturn did not start');
  return { host: LOOPBACK, port, tlsPort, ca, realm, pid, log, stop };
}

/**
 * Runs turnserver with `config` (written into `dir`) until each listener answers STUN; on failure
 * it is stopped and the error carries its log. `stop` also removes `dir`.
 */
export async function runTurnserver(binary: string, dir: string, config: string, listeners: StunServer[], failure: string) {
  const configFile = join(dir, 'turnserver.conf');
  writeFileSync(configFile, config, { mode: 0o600 });
  const child = spawn(binary, ['-c', configFile], { stdio: 'ignore' });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const log = () => {
    try {
      return readFileSync(join(dir, 'turnserver.log'), 'utf8');
    } catch {
      return '';
    }
  };
  const stop = async () => {
    await stopProcess(child, exited);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const listener of listeners) await waitUntilAnswering(listener, exited, 10_000);
  } catch (error) {
    const output = log();
    await stop();
    throw new Error(`${failure}: ${(error as Error).message}\n${output}`);
  }
  return { pid: child.pid!, log, stop };
}

/** Polls with STUN Binding requests until coturn answers, it exits, or the deadline passes. */
export async function waitUntilAnswering(server: StunServer, exited: Promise<number | null>, deadlineMs: number): Promise<void> {
  const deadline = performance.now() + deadlineMs;
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code));
  while (performance.now() < deadline) {
    if (exitCode !== undefined) throw new Error(`turnserver exited with code ${exitCode}`);
    try {
      await stunBinding(server, { timeoutMs: 250 });
      return;
    } catch {
      // A refused port fails at once: pace the poll so it does not spin.
      await delay(25);
    }
  }
  throw new Error(`no STUN answer on ${server.transport} port ${server.port} within ${deadlineMs} ms`);
}

export async function stopProcess(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  process.kill(child.pid!, 'SIGTERM');
  const killer = setTimeout(() => child.exitCode === null && child.signalCode === null && process.kill(child.pid!, 'SIGKILL'), 3000);
  await exited;
  clearTimeout(killer);
}

/** A port free for both UDP and TCP on 127.0.0.1 (coturn listens on both). */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt += 1) {
    const udp = dgram.createSocket('udp4');
    const port = await new Promise<number>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(0, LOOPBACK, () => resolve(udp.address().port));
    });
    const tcp = net.createServer();
    const tcpFree = await new Promise<boolean>((resolve) => {
      tcp.once('error', () => resolve(false));
      tcp.listen(port, LOOPBACK, () => resolve(true));
    });
    await new Promise<void>((resolve) => (tcpFree ? tcp.close(() => resolve()) : resolve()));
    await new Promise<void>((resolve) => udp.close(() => resolve()));
    if (tcpFree) return port;
  }
  throw new Error('no free port found on 127.0.0.1');
}

/** A UDP socket on 127.0.0.1 that reads and never answers: a black hole for timeout tests. */
export async function silentUdpServer(): Promise<{ port: number; received: () => number; close: () => Promise<void> }> {
  const socket = dgram.createSocket('udp4');
  let count = 0;
  socket.on('message', () => (count += 1));
  const port = await new Promise<number>((resolve) => socket.bind(0, LOOPBACK, () => resolve(socket.address().port)));
  return { port, received: () => count, close: () => new Promise((resolve) => socket.close(() => resolve())) };
}
