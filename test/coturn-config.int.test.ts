import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCoturnProbe } from '../shared/probes/coturn-probe';
import { turnRestCredentials } from '../shared/turn/credentials';
import { StunError, turnAllocate, type StunServer } from '../shared/turn/stun';
import { LOOPBACK } from './support/coturn';
import {
  SHIPPED_CONFIG,
  TEST_ONLY_KEYS,
  TEST_OVERRIDES,
  createPermission,
  parseTurnserverConf,
  startShippedCoturn,
  type ShippedCoturn,
} from './support/coturn-config';

// ops/coturn/turnserver.conf as shipped (only addresses, ports, paths and secrets rendered for
// loopback), checked with credentials minted the way the service mints them.
const NEW_SECRET = 'rotation-new-secret-4c1e9a7b2d';
const OLD_SECRET = 'rotation-old-secret-8f2b6d0a3e';
const WRONG_SECRET = 'never-configured-secret-5a7c9e1b';

// One user per credential: the shipped user-quota counts a user's recent allocations.
let users = 0;
const credentialsFrom = (secret: string) => {
  users += 1;
  const minted = turnRestCredentials(secret, `user-${users}`, 43_200, Date.now());
  return { username: minted.username, password: minted.credential };
};
const timeout = { timeoutMs: 3000 };

async function allocateError(server: StunServer, secret: string): Promise<StunError> {
  const error = await turnAllocate(server, credentialsFrom(secret), timeout).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof StunError)) throw new Error(`expected a StunError, got ${String(error)}`);
  return error;
}

describe('the shipped coturn configuration during a secret rotation (both secrets)', () => {
  let coturn: ShippedCoturn;
  let udp: StunServer;

  beforeAll(async () => {
    coturn = await startShippedCoturn([NEW_SECRET, OLD_SECRET]);
    udp = { host: LOOPBACK, port: coturn.port, transport: 'udp' };
  });
  afterAll(async () => {
    await coturn?.stop();
  });

  it('keeps every line of the shipped file but the machine-specific ones', () => {
    const kept = (text: string) =>
      parseTurnserverConf(text)
        .filter((d) => !(d.key in TEST_OVERRIDES) && !TEST_ONLY_KEYS.includes(d.key))
        .map((d) => d.line);
    const shippedText = readFileSync(SHIPPED_CONFIG, 'utf8');
    const shipped = kept(shippedText);
    expect(parseTurnserverConf(shippedText).filter((d) => TEST_ONLY_KEYS.includes(d.key))).toEqual([]);
    expect(kept(coturn.config)).toEqual(shipped);
    expect(shipped).toEqual(expect.arrayContaining(['use-auth-secret', 'no-multicast-peers', 'no-cli', 'fingerprint']));
    expect(parseTurnserverConf(coturn.config).filter((d) => d.key === 'static-auth-secret')).toHaveLength(2);
  });

  it('allocates a relay with credentials signed by the new secret', async () => {
    const result = await turnAllocate(udp, credentialsFrom(NEW_SECRET), timeout);
    expect(result.authenticated).toBe(true);
    expect(result.realm).toBe(parseTurnserverConf(coturn.config).find((d) => d.key === 'realm')?.value);
    expect(result.released).toBe(true);
  });

  it('still allocates with credentials signed by the previous secret', async () => {
    const result = await turnAllocate(udp, credentialsFrom(OLD_SECRET), timeout);
    expect(result.authenticated).toBe(true);
    expect(result.released).toBe(true);
  });

  it('refuses credentials signed by any other secret (401)', async () => {
    const error = await allocateError(udp, WRONG_SECRET);
    expect(error.kind).toBe('auth_rejected');
    expect(error.code).toBe(401);
  });

  it('serves turns: on the TLS port with the configured certificate', async () => {
    const result = await turnAllocate(
      { host: LOOPBACK, port: coturn.tlsPort, transport: 'tls', ca: coturn.ca },
      credentialsFrom(NEW_SECRET),
      timeout,
    );
    expect(result.authenticated).toBe(true);
  });

  it("passes the service's own coturn probe (STUN, Allocate, TLS)", async () => {
    const result = await runCoturnProbe({
      host: LOOPBACK,
      port: coturn.port,
      turnsPort: coturn.tlsPort,
      tls: { ca: coturn.ca },
      auth: { kind: 'rest', secret: OLD_SECRET },
      userIdForProbe: 'health-probe',
    });
    expect(result.checks.map((c) => [c.name, c.ok])).toEqual([
      ['stun_binding', true],
      ['turn_allocate', true],
      ['turns_tls', true],
    ]);
    expect(result.status).toBe('ok');
  });

  it.each([
    ['10.0.0.1', 'the VPC (10/8)'],
    ['172.16.5.4', 'private 172.16/12'],
    ['192.168.1.1', 'private 192.168/16'],
    ['169.254.169.254', 'the instance metadata service'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['127.0.0.1', 'the host itself'],
    ['0.0.0.1', 'this network'],
  ])('refuses a relay to %s (%s) with 403', async (peer) => {
    expect(await createPermission(coturn.port, credentialsFrom(NEW_SECRET), peer)).toEqual({ ok: false, code: 403 });
  });

  // A permission sends no packet: public addresses are safe to ask for.
  it.each(['8.8.8.8', '1.1.1.1', '52.95.110.1', '198.20.0.1'])('grants a relay to the public address %s', async (peer) => {
    expect(await createPermission(coturn.port, credentialsFrom(NEW_SECRET), peer)).toEqual({ ok: true });
  });

  it('parses every line without a configuration error', () => {
    expect(coturn.log()).not.toMatch(/CONFIG ERROR|unknown option|Bad configuration|cannot parse|wrong/i);
  });
});

describe('the shipped coturn configuration after the rotation (previous secret removed)', () => {
  let coturn: ShippedCoturn;
  let udp: StunServer;

  beforeAll(async () => {
    coturn = await startShippedCoturn([NEW_SECRET]);
    udp = { host: LOOPBACK, port: coturn.port, transport: 'udp' };
  });
  afterAll(async () => {
    await coturn?.stop();
  });

  it('allocates with the new secret and refuses the old one', async () => {
    expect((await turnAllocate(udp, credentialsFrom(NEW_SECRET), timeout)).authenticated).toBe(true);
    expect((await allocateError(udp, OLD_SECRET)).kind).toBe('auth_rejected');
  });
});
