import { AppError } from '../errors';

/** Name/value pairs the ciphertext is bound to; recordings pass `{call_id, thread_id}`. */
export type EncryptionContext = Readonly<Record<string, string>>;

/** Encrypts small values (recording metadata) so that only the same context can decrypt them. */
export interface RecordingCipher {
  /** Returns an opaque, versioned string (`v1.kms.…` or `v1.local.…`) safe to store. */
  encrypt(plaintext: string, context: EncryptionContext): Promise<string>;
  /** Throws CiphertextRejectedError when the context differs (a copied item) or the value is corrupt. */
  decrypt(ciphertext: string, context: EncryptionContext): Promise<string>;
}

/**
 * The ciphertext does not belong to this context (copied from another call or thread),
 * to this key, or is corrupt. A 500 if it escapes; the domain may catch it to treat the
 * item as tampered with.
 */
export class CiphertextRejectedError extends AppError {
  constructor(cause?: unknown) {
    super('internal_error', 'Stored recording metadata does not belong to this call or is corrupt.', { cause });
    this.name = 'CiphertextRejectedError';
  }
}

/**
 * Sorted `[name, value]` pairs as JSON: one byte string per context whatever the key
 * order. Rejects an empty context, which would bind the ciphertext to nothing.
 */
export function canonicalContext(context: EncryptionContext): string {
  const entries = Object.entries(context).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (entries.length === 0) throw new AppError('internal_error', 'An encryption context is required.');
  for (const [name, value] of entries) {
    if (typeof value !== 'string' || value === '') {
      throw new AppError('internal_error', `Encryption context value "${name}" must be a non-empty string.`);
    }
  }
  return JSON.stringify(entries);
}
