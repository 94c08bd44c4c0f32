import { type AttributeValue, type TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { randomUUID } from 'node:crypto';
import { getConfig } from '../config';
import { CiphertextRejectedError, getRecordingCipher, type EncryptionContext } from '../crypto/recording-cipher';
import { retryOnConflict, RETRY } from '../db/items';
import { recordingStore, type ConsentRecord, type RecordingRecord } from '../db/recordings';
import { AppError, forbidden, notFound } from '../errors';
import type { Caller } from '../http/auth';
import { logger } from '../observability/logger';
import { MetricName } from '../observability/metric-names';
import { countMetric } from '../observability/metrics';
import { callEnded, loadCall, notAMember, type CallRecord } from './calls';
import { isCallHost, threadStore, type MemberRecord } from '../db/threads';
import { eventPart, newEvent } from '../events/outbox';
import { conditionFailedOn, transaction } from '../db/transaction';

// Consent lives in two places: the current state as attributes of the call item (consent_recorded,
// consent, recording_state), which the recordings write checks in its transaction; and one
// RECORDING_ACTION item per start/stop in the call's partition, the audit trail. See docs/recording.md.

export type RecordingAction = 'start' | 'stop';

export type { ConsentRecord } from '../db/recordings';

interface SealedUris {
  recording_id: string;
  storage_uri: string;
  transcript_uri: string | null;
}

export interface RecordingInput {
  storage_uri: string;
  started_at: string;
  ended_at: string;
  size_bytes?: number | undefined;
  transcript_uri?: string | undefined;
}

const consentRequired = (message: string) => new AppError('consent_required', message);
const roleChanged = () => forbidden('Your role in this thread changed; reload and try again.');

/** Who may record and read recordings: the initiator, a thread owner or moderator (all still members), an admin. */
export function mayRecord(caller: Caller, call: Pick<CallRecord, 'initiator_id'>, member: MemberRecord | undefined): boolean {
  return caller.isAdmin || isCallHost(member, call.initiator_id);
}

/** Binds ciphertext to the call and its thread; always built from the call item, never from a recording item. */
export const recordingContext = (call: Pick<CallRecord, 'call_id' | 'thread_id'>): EncryptionContext => ({
  call_id: call.call_id,
  thread_id: call.thread_id,
});

/** The plaintext that is encrypted: the recording id inside it pins it to one item even within a call. */
export const sealedPayload = (recordingId: string, input: Pick<RecordingInput, 'storage_uri' | 'transcript_uri'>): string =>
  JSON.stringify({
    recording_id: recordingId,
    storage_uri: input.storage_uri,
    transcript_uri: input.transcript_uri ?? null,
  } satisfies SealedUris);

/** Parses what decrypted; an authentic ciphertext of another recording of the same call is rejected too. */
export function openedPayload(plaintext: string, recordingId: string): SealedUris {
  let parsed: Partial<SealedUris>;
  try {
    parsed = JSON.parse(plaintext) as Partial<SealedUris>;
  } catch (error) {
    throw new CiphertextRejectedError(error);
  }
  if (parsed.recording_id !== recordingId || typeof parsed.storage_uri !== 'string') throw new CiphertextRejectedError();
  return { recording_id: recordingId, storage_uri: parsed.storage_uri, transcript_uri: parsed.transcript_uri ?? null };
}

async function recordableCall(caller: Caller, callId: string) {
  const loaded = await loadCall(callId);
  if (!loaded) throw notFound('Call');
  const call = recordingStore.withRecordingState(loaded);
  if (caller.isAdmin) return call;
  const member = await threadStore.loadMember(call.thread_id, caller.userId);
  if (!member) throw notAMember();
  if (!mayRecord(caller, call, member)) {
    throw forbidden('Only the call initiator, a thread owner or moderator, or an admin can manage recordings.');
  }
  return call;
}

/** Re-checks in the write what the read allowed, so a role removed meanwhile cannot slip through. */
const roleStillAllows = (caller: Caller, call: CallRecord): TransactWriteItem | undefined =>
  caller.isAdmin ? undefined : threadStore.parts.isCallHost(call.thread_id, caller.userId, call.initiator_id);

/** Runs a guarded write (the call's condition, the role re-check, the write); retries lost conflicts. */
async function writeGuarded(
  parts: { call: TransactWriteItem; role: TransactWriteItem | undefined; write: TransactWriteItem; event?: TransactWriteItem },
  onCallCondition: (item?: Record<string, AttributeValue>) => Error,
) {
  await retryOnConflict(async () => {
    const outcome = await transaction(parts);
    if (outcome.ok) return undefined;
    if (conditionFailedOn(outcome.failed.call)) throw onCallCondition(outcome.failed.call?.item);
    if (conditionFailedOn(outcome.failed.role)) throw roleChanged();
    return RETRY;
  });
}

/**
 * Starts or stops recording on an active call. A start needs `consent_confirmed: true` and
 * records consent (who, when, which text version); a stop is recorded (who, when) and leaves
 * consent on record, because recordings are registered after they stop.
 */
export async function controlRecording(
  caller: Caller,
  callId: string,
  input: { action: RecordingAction; consent_confirmed?: boolean | undefined },
) {
  const call = await recordableCall(caller, callId);
  if (call.status !== 'active') throw callEnded();
  if (input.action === 'start' && input.consent_confirmed !== true) {
    throw consentRequired('Recording needs consent: confirm that the participants were told, with consent_confirmed: true.');
  }

  const at = new Date().toISOString();
  const started = input.action === 'start';
  const consent: ConsentRecord | undefined = started
    ? { recorded_by: caller.userId, recorded_at: at, text_version: getConfig().CONSENT_TEXT_VERSION }
    : undefined;
  const roleCheck = roleStillAllows(caller, call);
  await writeGuarded(
    {
      call: recordingStore.parts.setState(callId, started ? 'started' : 'stopped', consent),
      role: roleCheck,
      event: eventPart(
        newEvent(
          started ? 'RecordingStarted' : 'RecordingStopped',
          { call_id: callId, thread_id: call.thread_id, user_id: caller.userId, at },
          at,
        ),
      ),
      write: recordingStore.parts.action(
        { call_id: callId, action: input.action, user_id: caller.userId, at, text_version: consent?.text_version },
        randomUUID(),
      ),
    },
    (item) => (item ? callEnded() : notFound('Call')),
  );

  const onRecord = consent ?? call.consent ?? null;
  return {
    call_id: callId,
    recording: started ? ('started' as const) : ('stopped' as const),
    action_by: caller.userId,
    action_at: at,
    consent_recorded: started || call.consent_recorded === true,
    consent: onRecord,
  };
}

const recordingView = (item: RecordingRecord, uris: SealedUris) => ({
  recording_id: item.recording_id,
  call_id: item.call_id,
  started_at: item.started_at,
  ended_at: item.ended_at,
  size_bytes: item.size_bytes ?? null,
  storage_uri: uris.storage_uri,
  transcript_uri: uris.transcript_uri,
  created_by: item.created_by,
  created_at: item.created_at,
});

/**
 * Registers a recording of a call with consent on record (the call may have ended since). The
 * URIs are encrypted before any write, so a KMS failure answers 503 and stores nothing.
 */
export async function createRecording(caller: Caller, callId: string, input: RecordingInput) {
  const call = await recordableCall(caller, callId);
  // Fast path before spending a KMS call; the transaction below re-checks it.
  if (call.consent_recorded !== true) throw consentRequired('No recording consent is on record for this call.');

  const recordingId = randomUUID();
  const encrypted = await getRecordingCipher().encrypt(sealedPayload(recordingId, input), recordingContext(call));
  const item: RecordingRecord = {
    recording_id: recordingId,
    call_id: callId,
    started_at: input.started_at,
    ended_at: input.ended_at,
    ...(input.size_bytes === undefined ? {} : { size_bytes: input.size_bytes }),
    created_by: caller.userId,
    created_at: new Date().toISOString(),
    encrypted_uris: encrypted,
  };
  const roleCheck = roleStillAllows(caller, call);
  await writeGuarded(
    {
      call: recordingStore.parts.consentOnRecord(callId),
      role: roleCheck,
      write: recordingStore.parts.create(item),
    },
    (found) => (found ? consentRequired('No recording consent is on record for this call.') : notFound('Call')),
  );
  return recordingView(item, { recording_id: recordingId, storage_uri: input.storage_uri, transcript_uri: input.transcript_uri ?? null });
}

/**
 * The call's recordings, decrypted under the call item's context. An item that does not decrypt
 * (copied from another call, or corrupt) is never served: it is left out and logged, so one
 * tampered item cannot hide the others; KMS being down still fails the request with 503.
 */
export async function listRecordings(caller: Caller, callId: string) {
  const call = await recordableCall(caller, callId);
  const context = recordingContext(call);
  const cipher = getRecordingCipher();
  const opened = await Promise.all(
    (await recordingStore.list(callId)).map(async (item) => {
      try {
        return recordingView(item, openedPayload(await cipher.decrypt(item.encrypted_uris, context), item.recording_id));
      } catch (error) {
        if (!(error instanceof CiphertextRejectedError)) throw error;
        // Ids only: neither the ciphertext nor anything decrypted goes to the log.
        logger.error('recording metadata rejected, not served', { call_id: callId, recording_id: item.recording_id });
        countMetric(MetricName.RecordingMetadataRejected);
        return undefined;
      }
    }),
  );
  const items = opened
    .filter((view) => view !== undefined)
    .sort((a, b) => a.started_at.localeCompare(b.started_at) || a.recording_id.localeCompare(b.recording_id));
  return { items };
}
