import {
  DecryptCommand,
  EncryptCommand,
  IncorrectKeyException,
  InvalidCiphertextException,
  KMSClient,
  KMSInternalException,
  KeyUnavailableException,
  DisabledException,
  NotFoundException,
} from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../errors';
import { CiphertextRejectedError } from './cipher';
import { kmsRecordingCipher } from './kms-cipher';

const KEY_ID = 'arn:aws:kms:us-east-1:111122223333:alias/jitsi-calls-dev-recordings';
const CONTEXT = { call_id: 'call-1', thread_id: 'thread-1' };
const PLAINTEXT = JSON.stringify({ storage_uri: 's3://recordings/call-1/meeting.mp4', transcript_uri: null });

const client = new KMSClient({ region: 'us-east-1' });
const kms = mockClient(client);
const cipher = kmsRecordingCipher({ keyId: KEY_ID, region: 'us-east-1', client });

const metadata = { httpStatusCode: 400, requestId: 'req-1', attempts: 1 };
const awsError = (name: string, httpStatusCode: number) =>
  Object.assign(new Error(`${name} from KMS`), { name, $metadata: { ...metadata, httpStatusCode } });

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  const [result] = await Promise.allSettled([promise]);
  if (result?.status !== 'rejected') throw new Error('expected a rejection');
  return result.reason;
}

/**
 * A fake KMS that honours encryption context the way the real one does: the blob is an
 * opaque handle, and Decrypt answers InvalidCiphertextException unless the context matches.
 */
function fakeKmsWithContextBinding() {
  const stored = new Map<string, { plaintext: Uint8Array; context: Record<string, string> }>();
  kms.on(EncryptCommand).callsFake((input: { Plaintext: Uint8Array; EncryptionContext: Record<string, string> }) => {
    const handle = `blob-${stored.size}`;
    stored.set(handle, { plaintext: input.Plaintext, context: input.EncryptionContext });
    return { CiphertextBlob: Buffer.from(handle), KeyId: KEY_ID };
  });
  kms.on(DecryptCommand).callsFake((input: { CiphertextBlob: Uint8Array; EncryptionContext: Record<string, string> }) => {
    const entry = stored.get(Buffer.from(input.CiphertextBlob).toString());
    const sameContext =
      entry && JSON.stringify(Object.entries(entry.context).sort()) === JSON.stringify(Object.entries(input.EncryptionContext).sort());
    if (!entry || !sameContext) throw new InvalidCiphertextException({ message: '', $metadata: metadata });
    return { Plaintext: entry.plaintext, KeyId: KEY_ID };
  });
}

beforeEach(() => kms.reset());

describe('kmsRecordingCipher', () => {
  it('encrypts under the configured key with the call context and returns a versioned value', async () => {
    kms.on(EncryptCommand).resolves({ CiphertextBlob: Uint8Array.from([1, 2, 3, 250]) });

    const ciphertext = await cipher.encrypt(PLAINTEXT, CONTEXT);

    expect(ciphertext).toBe(`v1.kms.${Buffer.from([1, 2, 3, 250]).toString('base64url')}`);
    const [call] = kms.commandCalls(EncryptCommand);
    expect(call?.args[0].input).toMatchObject({ KeyId: KEY_ID, EncryptionContext: CONTEXT });
    expect(Buffer.from(call?.args[0].input.Plaintext ?? []).toString('utf8')).toBe(PLAINTEXT);
  });

  it('decrypts with the same key id and the same context', async () => {
    kms.on(DecryptCommand).resolves({ Plaintext: Buffer.from(PLAINTEXT) });

    expect(await cipher.decrypt('v1.kms.AQID-g', CONTEXT)).toBe(PLAINTEXT);
    const [call] = kms.commandCalls(DecryptCommand);
    expect(call?.args[0].input).toMatchObject({ KeyId: KEY_ID, EncryptionContext: CONTEXT });
    expect(Buffer.from(call?.args[0].input.CiphertextBlob ?? [])).toEqual(Buffer.from([1, 2, 3, 250]));
  });

  it('round-trips, and a ciphertext copied onto another call is rejected', async () => {
    fakeKmsWithContextBinding();
    const ciphertext = await cipher.encrypt(PLAINTEXT, CONTEXT);

    expect(await cipher.decrypt(ciphertext, { thread_id: 'thread-1', call_id: 'call-1' })).toBe(PLAINTEXT);
    expect(await rejection(cipher.decrypt(ciphertext, { ...CONTEXT, call_id: 'call-2' }))).toBeInstanceOf(CiphertextRejectedError);
  });

  it.each([
    ['ThrottlingException', awsError('ThrottlingException', 400)],
    ['KMSInternalException', new KMSInternalException({ message: '', $metadata: { ...metadata, httpStatusCode: 500 } })],
    ['KeyUnavailableException', new KeyUnavailableException({ message: '', $metadata: { ...metadata, httpStatusCode: 500 } })],
    ['DisabledException (key disabled)', new DisabledException({ message: '', $metadata: metadata })],
    ['a network timeout', Object.assign(new Error('timed out'), { name: 'TimeoutError' })],
  ])('answers 503 dependency_unavailable with Retry-After on %s', async (_, error) => {
    kms.on(EncryptCommand).rejects(error);
    kms.on(DecryptCommand).rejects(error);

    for (const attempt of [cipher.encrypt(PLAINTEXT, CONTEXT), cipher.decrypt('v1.kms.AQID', CONTEXT)]) {
      const thrown = await rejection(attempt);
      expect(thrown).toBeInstanceOf(AppError);
      expect(thrown).toMatchObject({ status: 503, code: 'dependency_unavailable', headers: { 'retry-after': expect.any(String) } });
      expect((thrown as AppError).message).toContain('KMS');
    }
  });

  it.each([
    ['InvalidCiphertextException (wrong context)', new InvalidCiphertextException({ message: '', $metadata: metadata })],
    ['IncorrectKeyException (another key)', new IncorrectKeyException({ message: '', $metadata: metadata })],
  ])('maps %s to CiphertextRejectedError, not to a 503', async (_, error) => {
    kms.on(DecryptCommand).rejects(error);
    const thrown = await rejection(cipher.decrypt('v1.kms.AQID', CONTEXT));
    expect(thrown).toBeInstanceOf(CiphertextRejectedError);
    expect(thrown).toMatchObject({ status: 500, code: 'internal_error' });
  });

  it('answers 500 internal_error when the key does not exist or is not allowed', async () => {
    kms.on(EncryptCommand).rejects(new NotFoundException({ message: '', $metadata: metadata }));
    const thrown = await rejection(cipher.encrypt(PLAINTEXT, CONTEXT));
    expect(thrown).toMatchObject({ status: 500, code: 'internal_error' });
    expect(thrown).not.toBeInstanceOf(CiphertextRejectedError);
  });

  it('rejects a value that is not a v1.kms ciphertext without calling KMS', async () => {
    expect(await rejection(cipher.decrypt('v1.local.AAAA', CONTEXT))).toBeInstanceOf(CiphertextRejectedError);
    expect(await rejection(cipher.decrypt('v1.kms.', CONTEXT))).toBeInstanceOf(CiphertextRejectedError);
    expect(kms.calls()).toHaveLength(0);
  });

  it('refuses an empty context and metadata over the 4 KB KMS limit without calling KMS', async () => {
    expect(await rejection(cipher.encrypt(PLAINTEXT, {}))).toMatchObject({ status: 500 });
    expect(await rejection(cipher.encrypt('x'.repeat(4097), CONTEXT))).toMatchObject({ status: 500 });
    expect(kms.calls()).toHaveLength(0);
  });
});
