import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeProtectedHeader, importSPKI, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { LOCAL_SYSTEM_KEY_FILE, localSystemKey } from '../secrets/local-system-key';
import { nickFromOccupantJid } from './occupant';
import { mintSystemToken, publicKeyFileName, systemPublicKeyFile, systemPublicKeyFor } from './system-token';

const { privateKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
});
const key = { privateKeyPem: privateKey, kid: 'calls-system' };
const settings = { appId: 'calls-app', domain: 'meet.example', audience: 'jitsi' };

describe('mintSystemToken', () => {
  it('signs RS256 with the kid and the claims Prosody checks, verifiable with the served public key', async () => {
    const nowMs = Date.UTC(2026, 0, 1);
    const token = await mintSystemToken(settings, key, nowMs);
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'RS256', typ: 'JWT', kid: 'calls-system' });
    const { pem } = systemPublicKeyFile(key);
    const { payload } = await jwtVerify(token, await importSPKI(pem, 'RS256'), {
      issuer: 'calls-app',
      audience: 'jitsi',
      subject: 'meet.example',
      currentDate: new Date(nowMs),
    });
    expect(payload).toMatchObject({ room: '*', iat: nowMs / 1000, nbf: nowMs / 1000 - 30, exp: nowMs / 1000 + 60 });
  });
});

describe('the public key file', () => {
  it('is named by the sha256 hex of the kid, as Prosody requests it', () => {
    expect(publicKeyFileName('calls-system')).toBe(`${createHash('sha256').update('calls-system').digest('hex')}.pem`);
    expect(publicKeyFileName('calls-system')).toMatch(/^[0-9a-f]{64}\.pem$/);
  });

  it('serves the SPKI PEM for its own file name and nothing for another', () => {
    const file = systemPublicKeyFile(key);
    expect(file.pem).toMatch(/^-----BEGIN PUBLIC KEY-----\n[\s\S]+-----END PUBLIC KEY-----\n$/);
    expect(file.pem).not.toContain('PRIVATE');
    expect(systemPublicKeyFor(key, file.fileName)).toBe(file.pem);
    expect(systemPublicKeyFor(key, file.fileName.toUpperCase().replace('.PEM', '.pem'))).toBe(file.pem);
    expect(systemPublicKeyFor(key, publicKeyFileName('another-kid'))).toBeUndefined();
  });
});

describe('localSystemKey', () => {
  it('generates a PKCS#8 key into DATA_DIR once, private to the owner, and reuses it', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'jitsi-system-key-'));
    const [first, second] = await Promise.all([localSystemKey(dataDir, 'kid-a'), localSystemKey(dataDir, 'kid-a')]);
    expect(first.privateKeyPem).toContain('-----BEGIN PRIVATE KEY-----');
    expect(second.privateKeyPem).toBe(first.privateKeyPem);
    const path = join(dataDir, LOCAL_SYSTEM_KEY_FILE);
    expect(readFileSync(path, 'utf8')).toBe(first.privateKeyPem);
    expect(statSync(path).mode & 0o077).toBe(0);
    expect(first.kid).toBe('kid-a');
  });
});

describe('nickFromOccupantJid', () => {
  it('takes the first 8 hex characters of a token user node, as lib-jitsi-meet does', () => {
    expect(nickFromOccupantJid('14f01c40-5195-4a4d-8efb-f58b49d18741@meet.example/OWhl8jSh')).toBe('14f01c40');
    expect(nickFromOccupantJid('14f01c40-5195-4a4d-8efb-f58b49d18741@meet.example')).toBe('14f01c40');
  });

  it('gives no nick for a JID lib-jitsi-meet would not derive one from', () => {
    expect(nickFromOccupantJid('focus@auth.meet.example/focus')).toBeUndefined();
    expect(nickFromOccupantJid('not a jid')).toBeUndefined();
    expect(nickFromOccupantJid('')).toBeUndefined();
  });
});
