import { EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectRecordingCipher } from './recording-cipher';

const CONTEXT = { call_id: 'call-1', thread_id: 'thread-1' };
const KEY_ID = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'recording-cipher-select-'));
});
afterAll(() => rm(dataDir, { recursive: true, force: true }));

describe('selectRecordingCipher', () => {
  it('uses the DATA_DIR key locally, even when a KMS key id is set', async () => {
    const cipher = selectRecordingCipher({ STAGE: 'local', AWS_REGION: 'us-east-1', DATA_DIR: dataDir, RECORDINGS_KMS_KEY_ID: KEY_ID });
    expect(await cipher.encrypt('x', CONTEXT)).toMatch(/^v1\.local\./);
  });

  it('uses KMS in a deployed stage', async () => {
    const kms = mockClient(KMSClient);
    kms.on(EncryptCommand).resolves({ CiphertextBlob: Uint8Array.from([7]) });
    try {
      const cipher = selectRecordingCipher({ STAGE: 'dev', AWS_REGION: 'us-east-1', DATA_DIR: dataDir, RECORDINGS_KMS_KEY_ID: KEY_ID });
      expect(await cipher.encrypt('x', CONTEXT)).toMatch(/^v1\.kms\./);
      expect(kms.commandCalls(EncryptCommand)[0]?.args[0].input).toMatchObject({ KeyId: KEY_ID });
    } finally {
      kms.restore();
    }
  });

  it('refuses a deployed stage without RECORDINGS_KMS_KEY_ID rather than keep a key in /tmp', () => {
    expect(() =>
      selectRecordingCipher({ STAGE: 'prod', AWS_REGION: 'us-east-1', DATA_DIR: dataDir, RECORDINGS_KMS_KEY_ID: undefined }),
    ).toThrow(/RECORDINGS_KMS_KEY_ID is required/);
  });
});
