import { generateKeyPair, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { writeOnce } from '../local-data';
import type { JitsiSystemKey } from './provider';

export const LOCAL_SYSTEM_KEY_FILE = 'jitsi-system-key.pem';

const generate = promisify(generateKeyPair);
const loaded = new Map<string, Promise<string>>();

/** The local stand-in for the Secrets Manager secret: made in DATA_DIR on first use, kept across restarts. */
export async function localSystemKey(dataDir: string, kid: string): Promise<JitsiSystemKey> {
  let pem = loaded.get(dataDir);
  if (!pem) {
    pem = loadOrCreate(dataDir);
    loaded.set(dataDir, pem);
    pem.catch(() => loaded.delete(dataDir));
  }
  return { privateKeyPem: await pem, kid };
}

async function loadOrCreate(dataDir: string): Promise<string> {
  const path = join(dataDir, LOCAL_SYSTEM_KEY_FILE);
  const existing = await readPem(path);
  if (existing) return existing;
  const { privateKey } = await generate('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    // PKCS#8, as jose's importPKCS8 and the deployed secret expect.
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  await writeOnce(path, privateKey);
  const created = await readPem(path);
  if (!created) throw new Error(`The local Jitsi system key ${path} could not be created.`);
  return created;
}

async function readPem(path: string): Promise<string | undefined> {
  try {
    const text = await readFile(path, 'utf8');
    return text.includes('-----BEGIN PRIVATE KEY-----') ? text : undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

export const LOCAL_EVENTS_SECRET_FILE = 'jitsi-events-secret';

/** The local events secret (event_sync's bearer): made in DATA_DIR on first use, never printed. */
export async function localEventsSecret(dataDir: string): Promise<string> {
  const path = join(dataDir, LOCAL_EVENTS_SECRET_FILE);
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  // Never written in place: a second process must not read it half-written.
  await writeOnce(path, randomBytes(32).toString('base64url'));
  return (await readFile(path, 'utf8')).trim();
}
