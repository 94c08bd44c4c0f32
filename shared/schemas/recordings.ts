import * as z from 'zod/mini';
import { isoDateTime } from './time';

/**
 * Both URIs share one KMS Encrypt call (4,096-byte plaintext limit): two at this cap plus the
 * JSON around them stay under it. RFC 3986 characters only, so a character is a byte and
 * JSON.stringify escapes nothing (a test checks the worst case fits).
 */
export const MAX_URI_LENGTH = 1800;
const URI_PATTERN = /^[A-Za-z][A-Za-z0-9+.-]*:[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]+$/;

const uri = z
  .string()
  .check(z.maxLength(MAX_URI_LENGTH), z.regex(URI_PATTERN, 'must be an absolute URI (scheme:…) of RFC 3986 characters'));
const utcTime = isoDateTime();

export const RecordingControlBody = z.strictObject({
  action: z.enum(['start', 'stop']),
  consent_confirmed: z.optional(
    // A boolean, not literal true: a client sending its unchecked box gets 409 consent_required, as the contract says.
    z.boolean().check(z.describe('Must be true for start: the participants were shown the consent text and agreed.')),
  ),
});

export const CreateRecordingBody = z
  .strictObject({
    storage_uri: uri,
    started_at: utcTime,
    ended_at: utcTime,
    size_bytes: z.optional(z.int().check(z.gte(0), z.lte(Number.MAX_SAFE_INTEGER))),
    transcript_uri: z.optional(uri),
  })
  .check(z.refine((body) => body.ended_at >= body.started_at, { message: 'must not be before started_at', path: ['ended_at'] }));

export const ConsentSchema = z.object({
  recorded_by: z.string(),
  recorded_at: z.string(),
  text_version: z.string().check(z.describe('CONSENT_TEXT_VERSION when consent was given: which consent text the users saw.')),
});

export const RecordingControlResponseSchema = z
  .object({
    call_id: z.string(),
    recording: z.enum(['started', 'stopped']),
    action_by: z.string().check(z.describe('Who started or stopped the recording with this request.')),
    action_at: z.string(),
    consent_recorded: z.boolean(),
    consent: z.nullable(ConsentSchema).check(z.describe('The latest consent on record; null if a stop came before any start.')),
  })
  .check(
    z.describe(
      'The recording state after this request. A start records consent (who, when, which text version) and sets consent_recorded on the call log; a stop is recorded (who, when) and leaves consent on record, so recordings finished later can still be registered.',
    ),
  );

export const RecordingSchema = z.object({
  recording_id: z.string(),
  call_id: z.string(),
  started_at: z.string(),
  ended_at: z.string(),
  size_bytes: z.nullable(z.number()),
  storage_uri: z.string(),
  transcript_uri: z.nullable(z.string()),
  created_by: z.string(),
  created_at: z.string(),
});

export const RecordingListSchema = z
  .object({ items: z.array(RecordingSchema) })
  .check(
    z.describe(
      "The call's recordings by start time, decrypted. An item whose ciphertext does not decrypt under this call's context (copied from another call, or corrupt) is left out and logged.",
    ),
  );
