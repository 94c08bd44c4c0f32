import { getConfig, type Config } from '../config';
import { AppError } from '../errors';
import type { RecordingCipher } from './cipher';
import { kmsRecordingCipher } from './kms-cipher';
import { localRecordingCipher } from './local-cipher';

export { CiphertextRejectedError, type EncryptionContext, type RecordingCipher } from './cipher';

let cipher: RecordingCipher | undefined;

export function getRecordingCipher(): RecordingCipher {
  cipher ??= selectRecordingCipher(getConfig());
  return cipher;
}

/**
 * KMS when deployed, the DATA_DIR key locally. A deployed stage without a KMS key fails
 * rather than fall back: a key file in a Lambda's /tmp dies with the container, and with
 * it every recording encrypted under it.
 */
export function selectRecordingCipher(
  config: Pick<Config, 'STAGE' | 'AWS_REGION' | 'DATA_DIR' | 'RECORDINGS_KMS_KEY_ID'>,
): RecordingCipher {
  if (config.STAGE === 'local') return localRecordingCipher(config.DATA_DIR);
  if (!config.RECORDINGS_KMS_KEY_ID) {
    throw new AppError('internal_error', 'RECORDINGS_KMS_KEY_ID is required in a deployed stage.');
  }
  return kmsRecordingCipher({ keyId: config.RECORDINGS_KMS_KEY_ID, region: config.AWS_REGION });
}

export function setRecordingCipherForTests(next: RecordingCipher | undefined): void {
  cipher = next;
}
