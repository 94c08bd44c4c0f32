import { decodeProtectedHeader, exportPKCS8, generateKeyPair, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { jitsiUserContext, mintJitsiToken, NO_FEATURES, type JitsiTokenSettings } from './token';

const settings: JitsiTokenSettings = { appId: 'erp', domain: 'jitsi.example.com', audience: 'jitsi', ttlSeconds: 60, jaas: false };
const secret = 'a'.repeat(48);
const nowMs = Date.UTC(2026, 10, 21, 9, 0, 0);

describe('Jitsi token', () => {
  it('carries every claim Prosody checks, with nbf 30 s back and exp after the TTL', async () => {
    const { token, expiresAt } = await mintJitsiToken(
      { room: 'Call-ABC', user: { id: 'u1', name: 'Ann' }, role: { kind: 'member', features: NO_FEATURES }, nowMs },
      settings,
      { alg: 'HS256', secret },
    );
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'HS256', typ: 'JWT' });
    const { payload } = await jwtVerify(token, new TextEncoder().encode(secret), { currentDate: new Date(nowMs) });
    expect(payload).toEqual({
      aud: 'jitsi',
      iss: 'erp',
      sub: 'jitsi.example.com',
      room: 'call-abc',
      iat: nowMs / 1000,
      nbf: nowMs / 1000 - 30,
      exp: nowMs / 1000 + 60,
      context: {
        user: { id: 'u1', name: 'Ann', moderator: false, affiliation: 'member' },
        features: { recording: false, livestreaming: false, transcription: false, 'outbound-call': false },
      },
    });
    expect(expiresAt.getTime()).toBe(nowMs + 60_000);
  });

  it('is not valid before nbf nor at exp (Jitsi allows no leeway)', async () => {
    const { token } = await mintJitsiToken(
      { room: 'r', user: { id: 'u' }, role: { kind: 'member', features: NO_FEATURES }, nowMs },
      settings,
      { alg: 'HS256', secret },
    );
    const key = new TextEncoder().encode(secret);
    await expect(jwtVerify(token, key, { currentDate: new Date(nowMs - 31_000) })).rejects.toThrow();
    await expect(jwtVerify(token, key, { currentDate: new Date(nowMs + 60_000) })).rejects.toThrow();
  });

  it('gives hosts owner affiliation and lobby bypass, lobby members the lobby claim', () => {
    expect(jitsiUserContext({ id: 'h' }, { kind: 'host', features: NO_FEATURES })).toEqual({
      id: 'h',
      moderator: true,
      affiliation: 'owner',
      lobby_bypass: true,
    });
    expect(jitsiUserContext({ id: 's' }, { kind: 'lobby-member', features: NO_FEATURES })).toEqual({
      id: 's',
      moderator: false,
      affiliation: 'member',
      lobby: true,
    });
  });

  it('leaves out empty or missing user fields rather than sending null', () => {
    const context = jitsiUserContext({ id: 'u', name: '', email: undefined }, { kind: 'member', features: NO_FEATURES });
    expect(context).toEqual({ id: 'u', moderator: false, affiliation: 'member' });
    expect(Object.values(context).every((value) => typeof value === 'string' || typeof value === 'boolean')).toBe(true);
  });

  it('signs RS256 with a kid, and in JaaS form uses iss chat, sub the app id and kid appId/keyId', async () => {
    const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
    const pem = await exportPKCS8(privateKey);
    const plain = await mintJitsiToken({ room: 'r', user: { id: 'u' }, role: { kind: 'member', features: NO_FEATURES }, nowMs }, settings, {
      alg: 'RS256',
      privateKeyPem: pem,
      kid: 'key-1',
    });
    expect(decodeProtectedHeader(plain.token)).toEqual({ alg: 'RS256', typ: 'JWT', kid: 'key-1' });
    const jaas = await mintJitsiToken(
      { room: 'r', user: { id: 'u' }, role: { kind: 'member', features: NO_FEATURES }, nowMs },
      { ...settings, appId: 'vpaas-magic-cookie-1', jaas: true },
      { alg: 'RS256', privateKeyPem: pem, kid: 'key-1' },
    );
    expect(decodeProtectedHeader(jaas.token).kid).toBe('vpaas-magic-cookie-1/key-1');
    const { payload } = await jwtVerify(jaas.token, publicKey, { currentDate: new Date(nowMs) });
    expect(payload).toMatchObject({ iss: 'chat', sub: 'vpaas-magic-cookie-1', aud: 'jitsi' });
  });
});
