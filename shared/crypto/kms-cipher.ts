import { DecryptCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { AppError, dependencyUnavailable } from '../errors';
import { AWS_CLIENT_DEFAULTS, awsErrorName, isTransientAwsError, safeAwsCause } from '../secrets/aws-sdk';
import { CiphertextRejectedError, canonicalContext, type RecordingCipher } from './cipher';

// Direct Encrypt/Decrypt rather than envelope encryption: recording metadata is a few
// hundred bytes (KMS takes up to 4 KB), an envelope still costs one KMS call per item
// unless data keys are cached (which needs the Encryption SDK and weakens the audit), and
// direct calls leave one CloudTrail entry per decrypt naming the call in its context,
// with no key material in memory and no local crypto to get wrong.

/** KMS Encrypt's plaintext limit. */
export const KMS_MAX_PLAINTEXT_BYTES = 4096;
const PREFIX = 'v1.kms.';

/** Key disabled, pending deletion or its custom key store unreachable: an ops state, not a bug here. */
const KMS_TRANSIENT = new Set([
  'KMSInternalException',
  'DependencyTimeoutException',
  'KeyUnavailableException',
  'DisabledException',
  'KMSInvalidStateException',
]);
/** What KMS answers for a wrong encryption context or another key's ciphertext. */
const KMS_REJECTED = new Set(['InvalidCiphertextException', 'IncorrectKeyException']);

export interface KmsCipherOptions {
  keyId: string;
  region: string;
  client?: KMSClient;
}

let defaultClient: KMSClient | undefined;

export function kmsRecordingCipher(options: KmsCipherOptions): RecordingCipher {
  const client = options.client ?? (defaultClient ??= new KMSClient({ region: options.region, ...AWS_CLIENT_DEFAULTS }));
  const { keyId } = options;

  return {
    async encrypt(plaintext, context) {
      canonicalContext(context);
      const bytes = Buffer.from(plaintext, 'utf8');
      if (bytes.byteLength > KMS_MAX_PLAINTEXT_BYTES) {
        throw new AppError('internal_error', `Recording metadata is over the ${KMS_MAX_PLAINTEXT_BYTES}-byte KMS Encrypt limit.`);
      }
      const { CiphertextBlob } = await send(() =>
        client.send(new EncryptCommand({ KeyId: keyId, Plaintext: bytes, EncryptionContext: { ...context } })),
      );
      if (!CiphertextBlob) throw new AppError('internal_error', 'KMS Encrypt returned no ciphertext.');
      return PREFIX + Buffer.from(CiphertextBlob).toString('base64url');
    },

    async decrypt(ciphertext, context) {
      canonicalContext(context);
      if (!ciphertext.startsWith(PREFIX)) throw new CiphertextRejectedError();
      const blob = Buffer.from(ciphertext.slice(PREFIX.length), 'base64url');
      if (blob.length === 0) throw new CiphertextRejectedError();
      // KeyId on Decrypt: KMS refuses ciphertext made under any other key (another stage's).
      const { Plaintext } = await send(() =>
        client.send(new DecryptCommand({ KeyId: keyId, CiphertextBlob: blob, EncryptionContext: { ...context } })),
      );
      if (!Plaintext) throw new AppError('internal_error', 'KMS Decrypt returned no plaintext.');
      return Buffer.from(Plaintext).toString('utf8');
    },
  };
}

async function send<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const cause = safeAwsCause(error);
    if (KMS_REJECTED.has(awsErrorName(error))) throw new CiphertextRejectedError(cause);
    if (isTransientAwsError(error, KMS_TRANSIENT)) throw dependencyUnavailable('KMS', cause);
    // AccessDenied, NotFound, InvalidKeyUsage: the key id or key policy is wrong.
    throw new AppError('internal_error', 'KMS refused the request; check RECORDINGS_KMS_KEY_ID and the key policy.', {
      cause,
    });
  }
}
