import { execFileSync } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  StunAttr,
  StunMethod,
  decodeErrorCode,
  decodeMessage,
  encodeMessage,
  encodeXorAddress,
  getAttribute,
  longTermKey,
  newTransactionId,
  verifyMessageIntegrity,
  type StunAttribute,
  type StunMessage,
} from '../../shared/turn/stun';
import { LOOPBACK, freePort, runTurnserver, turnserverPath } from './coturn';

export const SHIPPED_CONFIG = new URL('../../ops/coturn/turnserver.conf', import.meta.url);

/** A directive line of turnserver.conf: `key` or `key=value`; comments and blank lines are none. */
export interface Directive {
  key: string;
  value: string | undefined;
  line: string;
}

export function parseTurnserverConf(text: string): Directive[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const at = line.indexOf('=');
      return at < 0 ? { key: line, value: undefined, line } : { key: line.slice(0, at), value: line.slice(at + 1), line };
    });
}

export interface TestSite {
  port: number;
  tlsPort: number;
  minPort: number;
  secrets: string[];
  dir: string;
}

/**
 * What the test changes in the shipped file, key by key: the machine-specific lines (addresses,
 * ports, paths, secrets, logging), as the lines that replace them. Every other line is kept.
 */
export const TEST_OVERRIDES: Record<string, (site: TestSite) => string[]> = {
  'listening-ip': () => [`listening-ip=${LOOPBACK}`],
  'relay-ip': () => [`relay-ip=${LOOPBACK}`],
  // No NAT in front of a loopback listener.
  'external-ip': () => [],
  'listening-port': (site) => [`listening-port=${site.port}`],
  'tls-listening-port': (site) => [`tls-listening-port=${site.tlsPort}`],
  'min-port': (site) => [`min-port=${site.minPort}`],
  'max-port': (site) => [`max-port=${site.minPort + 99}`],
  'static-auth-secret': (site) => site.secrets.map((secret) => `static-auth-secret=${secret}`),
  cert: (site) => [`cert=${join(site.dir, 'cert.pem')}`],
  pkey: (site) => [`pkey=${join(site.dir, 'key.pem')}`],
  userdb: (site) => [`userdb=${join(site.dir, 'turndb')}`],
  // A file the test can read when coturn fails, instead of the host's syslog.
  syslog: (site) => [`log-file=${join(site.dir, 'turnserver.log')}`, 'no-stdout-log', `pidfile=${join(site.dir, 'turnserver.pid')}`],
};

/** Keys only the rendered file has (from the syslog override). */
export const TEST_ONLY_KEYS = ['log-file', 'no-stdout-log', 'pidfile'];

/** The shipped file with TEST_OVERRIDES applied; each overridden key must be in the file. */
export function renderForTest(shipped: string, site: TestSite): string {
  const directives = parseTurnserverConf(shipped);
  for (const key of Object.keys(TEST_OVERRIDES)) {
    if (!directives.some((d) => d.key === key)) throw new Error(`the shipped turnserver.conf has no ${key} line to render`);
  }
  const done = new Set<string>();
  const lines: string[] = [];
  for (const directive of directives) {
    const override = TEST_OVERRIDES[directive.key];
    if (!override) {
      lines.push(directive.line);
    } else if (!done.has(directive.key)) {
      done.add(directive.key);
      lines.push(...override(site));
    }
  }
  return `${lines.join('\n')}\n`;
}

export interface ShippedCoturn {
  port: number;
  tlsPort: number;
  ca: string;
  config: string;
  log(): string;
  stop(): Promise<void>;
}

/** Debian's coturn on 127.0.0.1 with the shipped turnserver.conf rendered for the test. */
export async function startShippedCoturn(secrets: string[]): Promise<ShippedCoturn> {
  const binary = turnserverPath();
  if (!binary) throw new Error("turnserver not found: install Debian's coturn (apt-get install -y coturn)");
  const dir = mkdtempSync(join(tmpdir(), 'coturn-config-'));
  const site: TestSite = {
    port: await freePort(),
    tlsPort: await freePort(),
    // A relay range of our own, wide enough for every test's allocation: coturn does not hand a
    // released relay port out again at once. A clash with another run only costs coturn a retry.
    minPort: 49152 + Math.floor(Math.random() * 160) * 100,
    secrets,
    dir,
  };
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(dir, 'key.pem')].concat([
      '-out',
      join(dir, 'cert.pem'),
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ]),
    { stdio: 'ignore' },
  );
  const ca = readFileSync(join(dir, 'cert.pem'), 'utf8');
  const config = renderForTest(readFileSync(SHIPPED_CONFIG, 'utf8'), site);
  const { log, stop } = await runTurnserver(
    binary,
    dir,
    config,
    [
      { host: LOOPBACK, port: site.port, transport: 'udp' },
      { host: LOOPBACK, port: site.tlsPort, transport: 'tls', ca },
    ],
    'coturn did not start with the shipped configuration',
  );
  return { port: site.port, tlsPort: site.tlsPort, ca, config, log, stop };
}

const XOR_PEER_ADDRESS = 0x0012;
const CREATE_PERMISSION = 0x008;

export type PermissionAnswer = { ok: true } | { ok: false; code: number | undefined };

/**
 * Allocates a UDP relay with long-term credentials, asks for a permission towards `peer`
 * (RFC 8656 CreatePermission: coturn checks denied-peer-ip here) and releases the relay.
 * The project's TURN client releases at once after Allocate, so the test drives this flow
 * itself with the client's message codec.
 */
export async function createPermission(
  port: number,
  credentials: { username: string; password: string },
  peer: string,
): Promise<PermissionAnswer> {
  const socket = dgram.createSocket('udp4');
  const pending = new Map<string, (message: StunMessage) => void>();
  socket.on('message', (buf) => {
    const message = decodeMessage(buf);
    pending.get(message.transactionId.toString('hex'))?.(message);
  });
  await new Promise<void>((resolve) => socket.bind(0, LOOPBACK, () => resolve()));

  // Attributes are built per transaction: XOR-PEER-ADDRESS is keyed to its transaction id.
  const exchange = (method: number, attributes: (transactionId: Buffer) => StunAttribute[], key?: Buffer) => {
    const transactionId = newTransactionId();
    const answer = new Promise<StunMessage>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer from coturn to method ${method} within 2000 ms`)), 2000);
      pending.set(transactionId.toString('hex'), (message) => {
        clearTimeout(timer);
        resolve(message);
      });
    });
    const request = encodeMessage(
      { method, cls: 'request', transactionId, attributes: attributes(transactionId) },
      { integrityKey: key, fingerprint: true },
    );
    socket.send(request, port, LOOPBACK);
    return answer;
  };
  const text = (type: number, value: string): StunAttribute => ({ type, value: Buffer.from(value, 'utf8') });

  try {
    const transport: StunAttribute = { type: StunAttr.RequestedTransport, value: Buffer.from([17, 0, 0, 0]) };
    const challenge = await exchange(StunMethod.Allocate, () => [transport]);
    const realm = getAttribute(challenge, StunAttr.Realm)?.toString('utf8');
    const nonce = getAttribute(challenge, StunAttr.Nonce)?.toString('utf8');
    if (decodeErrorCode(challenge)?.code !== 401 || realm === undefined || nonce === undefined) {
      throw new Error('coturn did not challenge the first Allocate with 401, REALM and NONCE');
    }
    const key = longTermKey(credentials.username, realm, credentials.password);
    const auth = [text(StunAttr.Username, credentials.username), text(StunAttr.Realm, realm), text(StunAttr.Nonce, nonce)];
    const allocated = await exchange(StunMethod.Allocate, () => [transport, ...auth], key);
    if (allocated.cls !== 'success' || verifyMessageIntegrity(allocated, key) !== true) {
      throw new Error(`Allocate failed (${decodeErrorCode(allocated)?.code ?? 'no verified success'})`);
    }
    const permission = await exchange(
      CREATE_PERMISSION,
      (transactionId) => [
        { type: XOR_PEER_ADDRESS, value: encodeXorAddress({ family: 'IPv4', address: peer, port: 0 }, transactionId) },
        ...auth,
      ],
      key,
    );
    await exchange(StunMethod.Refresh, () => [{ type: StunAttr.Lifetime, value: Buffer.alloc(4) }, ...auth], key);
    return permission.cls === 'success' ? { ok: true } : { ok: false, code: decodeErrorCode(permission)?.code };
  } finally {
    await new Promise<void>((resolve) => socket.close(() => resolve()));
  }
}
