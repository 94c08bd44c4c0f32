import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError } from '../errors';
import { writeOnce } from '../local-data';
import { CiphertextRejectedError, canonicalContext, type EncryptionContext, type RecordingCipher } from './cipher';

export const LOCAL_KEY_FILE = 'recording-metadata.key';
const FORMAT = 'v1.local';
const PREFIX = `${FORMAT}.`;
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * AES-256-GCM with the context as AAD, so a swapped item fails locally exactly as it does
 * under KMS. The key lives in DATA_DIR so data written before a restart still decrypts.
 */
export function localRecordingCipher(dataDir: string): RecordingCipher {
  let key: Promise<Buffer> | undefined;
  const loadKey = () =>
    (key ??= loadOrCreateKey(dataDir).catch((error: unknown) => {
      key = undefined;
      throw error;
    }));

  return {
    async encrypt(plaintext, context) {
      const aad = additionalData(context);
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', await loadKey(), iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(aad);
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
    },

    async decrypt(ciphertext, context) {
      const aad = additionalData(context);
      if (!ciphertext.startsWith(PREFIX)) throw new CiphertextRejectedError();
      const raw = Buffer.from(ciphertext.slice(PREFIX.length), 'base64url');
      if (raw.length < IV_BYTES + TAG_BYTES) throw new CiphertextRejectedError();
      const decipher = createDecipheriv('aes-256-gcm', await loadKey(), raw.subarray(0, IV_BYTES), {
        authTagLength: TAG_BYTES,
      });
      decipher.setAAD(aad);
      decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      try {
        return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
      } catch {
        // GCM's "unable to authenticate data": wrong context, wrong key or tampered bytes.
        throw new CiphertextRejectedError();
      }
    },
  };
}

// The format is authenticated too, so a future v2 cannot be fed to v1 code by relabeling.
const additionalData = (context: EncryptionContext) => Buffer.from(`${FORMAT}\n${canonicalContext(context)}`, 'utf8');

async function loadOrCreateKey(dataDir: string): Promise<Buffer> {
  const path = join(dataDir, LOCAL_KEY_FILE);
  const existing = await readKey(path);
  if (existing) return existing;
  await writeOnce(path, randomBytes(KEY_BYTES));
  const created = await readKey(path);
  if (!created) throw new AppError('internal_error', `The local recording key ${path} could not be created.`);
  return created;
}

async function readKey(path: string): Promise<Buffer | undefined> {
  let key: Buffer;
  try {
    key = await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  if (key.length !== KEY_BYTES) {
    throw new AppError('internal_error', `The local recording key ${path} must hold exactly ${KEY_BYTES} bytes.`);
  }
  return key;
}
