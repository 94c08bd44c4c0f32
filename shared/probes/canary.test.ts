import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { mintJitsiToken, NO_FEATURES, type JitsiTokenSettings } from '../jitsi/token';
import type { JitsiSigningKey } from '../secrets/provider';
import { jwtCanary, type JwtCanaryOptions } from './canary';

const NOW = Date.parse('2026-11-21T09:00:00.000Z');
const hs = (): JitsiSigningKey => ({ alg: 'HS256', secret: randomBytes(32).toString('hex') });
const rsaPair = () =>
  generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });

const baseConfig: JwtCanaryOptions['config'] = {
  JITSI_JWT_ALG: 'HS256',
  JITSI_JWT_AUDIENCE: 'jitsi',
  JITSI_APP_ID: 'calls-test',
  JITSI_DOMAIN: 'meet.test.example',
  JITSI_JAAS: false,
  JITSI_TOKEN_TTL_SECONDS: 60,
  JITSI_JWT_PUBLIC_KEY: undefined,
};

function canary(signing: JitsiSigningKey, fresh: JitsiSigningKey, config = baseConfig, settings: Partial<JitsiTokenSettings> = {}) {
  const tokenSettings: JitsiTokenSettings = {
    appId: config.JITSI_APP_ID,
    domain: config.JITSI_DOMAIN,
    audience: config.JITSI_JWT_AUDIENCE,
    ttlSeconds: config.JITSI_TOKEN_TTL_SECONDS,
    jaas: config.JITSI_JAAS,
    ...settings,
  };
  return jwtCanary({
    config,
    mint: (room, nowMs) =>
      mintJitsiToken(
        { room, user: { id: 'health-probe' }, role: { kind: 'member', features: NO_FEATURES }, nowMs },
        tokenSettings,
        signing,
      ),
    signingKey: async () => signing,
    freshKey: async () => fresh,
    now: () => NOW,
  })(new AbortController().signal);
}

describe('the JWT canary', () => {
  it('passes when the token verifies against the freshly read HS256 secret', async () => {
    const key = hs();
    const outcome = await canary(key, { ...key });
    expect(outcome).toEqual({
      ok: true,
      detail: expect.stringMatching(/^A token minted as join mints it \(HS256\) verifies against the signing key read fresh/),
    });
  });

  it('reports a rotation that the cached signing key has not picked up, without either secret', async () => {
    const cached = hs();
    const current = hs();
    const outcome = await canary(cached, current);
    expect(outcome.ok).toBe(false);
    expect(outcome.detail).toMatch(/differs from the current one in its source .*rotation is propagating/);
    for (const key of [cached, current]) expect(outcome.detail).not.toContain((key as { secret: string }).secret);
  });

  it('passes RS256 against the public key derived from the current private key, kid included', async () => {
    const { privateKey } = rsaPair();
    const key: JitsiSigningKey = { alg: 'RS256', privateKeyPem: privateKey, kid: 'key-1' };
    expect((await canary(key, key, { ...baseConfig, JITSI_JWT_ALG: 'RS256' })).ok).toBe(true);
  });

  it('reports a private key that does not match JITSI_JWT_PUBLIC_KEY, the key Jitsi trusts', async () => {
    const signer = rsaPair();
    const other = rsaPair();
    const key: JitsiSigningKey = { alg: 'RS256', privateKeyPem: signer.privateKey, kid: 'key-1' };
    const config = { ...baseConfig, JITSI_JWT_ALG: 'RS256' as const };
    expect((await canary(key, key, { ...config, JITSI_JWT_PUBLIC_KEY: signer.publicKey })).ok).toBe(true);
    const outcome = await canary(key, key, { ...config, JITSI_JWT_PUBLIC_KEY: other.publicKey });
    expect(outcome).toEqual({
      ok: false,
      detail: expect.stringMatching(/does not verify against JITSI_JWT_PUBLIC_KEY, the public key Jitsi trusts/),
    });
  });

  it('reports a kid that differs from the current key id', async () => {
    const { privateKey } = rsaPair();
    const outcome = await canary(
      { alg: 'RS256', privateKeyPem: privateKey, kid: 'old-kid' },
      { alg: 'RS256', privateKeyPem: privateKey, kid: 'new-kid' },
      { ...baseConfig, JITSI_JWT_ALG: 'RS256' },
    );
    expect(outcome.detail).toMatch(/kid differs from the current key id/);
  });

  it('reports a claim Jitsi would reject, by name only', async () => {
    const key = hs();
    const outcome = await canary(key, key, baseConfig, { audience: 'not-jitsi' });
    expect(outcome).toEqual({ ok: false, detail: expect.stringMatching(/^The canary token's aud claim fails/) });
    expect(outcome.detail).not.toContain('not-jitsi');
    expect((await canary(key, key, baseConfig, { ttlSeconds: 120 })).detail).toMatch(
      /lifetime \(exp - iat\) is not JITSI_TOKEN_TTL_SECONDS/,
    );
  });

  it('reports a signing key that cannot be read by its error code, not its message', async () => {
    const failing = jwtCanary({
      config: baseConfig,
      mint: async () => Promise.reject(new Error('JITSI_JWT_SECRET is not set: s3cr3t')),
      signingKey: async () => hs(),
      freshKey: async () => hs(),
    });
    const outcome = await failing(new AbortController().signal);
    expect(outcome).toEqual({
      ok: false,
      detail: expect.stringMatching(/^The Jitsi signing key could not be read or used to sign \(Error\)/),
    });
    expect(outcome.detail).not.toContain('s3cr3t');
  });
});
