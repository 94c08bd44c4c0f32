import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CiphertextRejectedError } from './cipher';
import { LOCAL_KEY_FILE, localRecordingCipher } from './local-cipher';

const CONTEXT = { call_id: 'call-1', thread_id: 'thread-1' };
const PLAINTEXT = JSON.stringify({ storage_uri: 's3://recordings/call-1/meeting.mp4', size_bytes: 1024 });

let root: string;
let dataDir: string;

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  const [result] = await Promise.allSettled([promise]);
  if (result?.status !== 'rejected') throw new Error('expected a rejection');
  return result.reason;
}

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'recording-cipher-'));
  dataDir = join(root, 'data');
});
afterEach(() => rm(root, { recursive: true, force: true }));

describe('localRecordingCipher', () => {
  it('round-trips a value under the same context, whatever its key order', async () => {
    const cipher = localRecordingCipher(dataDir);
    const ciphertext = await cipher.encrypt(PLAINTEXT, CONTEXT);
    expect(ciphertext).toMatch(/^v1\.local\.[A-Za-z0-9_-]+$/);
    expect(await cipher.decrypt(ciphertext, { thread_id: 'thread-1', call_id: 'call-1' })).toBe(PLAINTEXT);
  });

  it('rejects a ciphertext copied onto another call or thread', async () => {
    const cipher = localRecordingCipher(dataDir);
    const ciphertext = await cipher.encrypt(PLAINTEXT, CONTEXT);
    expect(await rejection(cipher.decrypt(ciphertext, { ...CONTEXT, call_id: 'call-2' }))).toBeInstanceOf(CiphertextRejectedError);
    expect(await rejection(cipher.decrypt(ciphertext, { ...CONTEXT, thread_id: 'thread-2' }))).toBeInstanceOf(CiphertextRejectedError);
    expect(await rejection(cipher.decrypt(ciphertext, { call_id: 'call-1' }))).toBeInstanceOf(CiphertextRejectedError);
  });

  it('rejects tampered, truncated or foreign values', async () => {
    const cipher = localRecordingCipher(dataDir);
    const ciphertext = await cipher.encrypt(PLAINTEXT, CONTEXT);
    const raw = Buffer.from(ciphertext.slice('v1.local.'.length), 'base64url');
    raw[raw.length - 1] = (raw[raw.length - 1] ?? 0) ^ 1;

    for (const bad of [`v1.local.${raw.toString('base64url')}`, ciphertext.slice(0, 30), 'v1.kms.AQID', PLAINTEXT]) {
      expect(await rejection(cipher.decrypt(bad, CONTEXT))).toBeInstanceOf(CiphertextRejectedError);
    }
  });

  it('keeps no plaintext in the ciphertext and never repeats a ciphertext', async () => {
    const cipher = localRecordingCipher(dataDir);
    const first = await cipher.encrypt(PLAINTEXT, CONTEXT);
    const second = await cipher.encrypt(PLAINTEXT, CONTEXT);

    expect(first).not.toBe(second);
    for (const form of [first, Buffer.from(first.slice('v1.local.'.length), 'base64url').toString('latin1')]) {
      expect(form).not.toContain('s3://');
      expect(form).not.toContain('meeting.mp4');
      expect(form).not.toContain(Buffer.from(PLAINTEXT).toString('base64url').slice(0, 12));
    }
  });

  it('creates one 32-byte key readable only by its owner', async () => {
    await localRecordingCipher(dataDir).encrypt(PLAINTEXT, CONTEXT);
    const keyPath = join(dataDir, LOCAL_KEY_FILE);
    expect((await stat(keyPath)).mode & 0o777).toBe(0o600);
    expect(await readFile(keyPath)).toHaveLength(32);
  });

  it('decrypts after a restart: a new instance on the same DATA_DIR reads what the first wrote', async () => {
    const ciphertext = await localRecordingCipher(dataDir).encrypt(PLAINTEXT, CONTEXT);
    const keyBefore = await readFile(join(dataDir, LOCAL_KEY_FILE));

    expect(await localRecordingCipher(dataDir).decrypt(ciphertext, CONTEXT)).toBe(PLAINTEXT);
    expect(await readFile(join(dataDir, LOCAL_KEY_FILE))).toEqual(keyBefore);
  });

  it('agrees on one key when two instances start on an empty DATA_DIR at once', async () => {
    const [a, b] = [localRecordingCipher(dataDir), localRecordingCipher(dataDir)];
    const [fromA, fromB] = await Promise.all([a.encrypt('from a', CONTEXT), b.encrypt('from b', CONTEXT)]);
    expect(await b.decrypt(fromA, CONTEXT)).toBe('from a');
    expect(await a.decrypt(fromB, CONTEXT)).toBe('from b');
  });

  it('cannot decrypt with a different DATA_DIR key', async () => {
    const ciphertext = await localRecordingCipher(dataDir).encrypt(PLAINTEXT, CONTEXT);
    const other = localRecordingCipher(join(root, 'other'));
    expect(await rejection(other.decrypt(ciphertext, CONTEXT))).toBeInstanceOf(CiphertextRejectedError);
  });
});
