import type { TransactWriteItem } from '@aws-sdk/client-dynamodb';
import * as z from 'zod/mini';
import { tableName, toAttributes, toValues, type Item } from './client';
import { queryPartition } from './items';
import { keys, RECORDING_PREFIX } from './keys';

// The recording repository. Consent and recording state are attributes of the call item
// (consent_recorded, consent, recording_state), which the recording writes condition on; one
// action item per start/stop and one item per registered recording live in the call's partition.

const ConsentItem = z.object({ recorded_by: z.string(), recorded_at: z.string(), text_version: z.string() });
export type ConsentRecord = z.infer<typeof ConsentItem>;

/** The recording attributes of a call item (the call repository parses the rest). */
const RecordingStateItem = z.object({
  consent: z.optional(ConsentItem),
  recording_state: z.optional(z.enum(['started', 'stopped'])),
});

/** The stored item: no URI in the clear, only `encrypted_uris` (a RecordingCipher value). */
const RecordingItem = z.looseObject({
  recording_id: z.string(),
  call_id: z.string(),
  started_at: z.string(),
  ended_at: z.string(),
  size_bytes: z.optional(z.number()),
  created_by: z.string(),
  created_at: z.string(),
  encrypted_uris: z.string(),
});
export type RecordingRecord = z.infer<typeof RecordingItem>;

export interface RecordingActionRecord {
  call_id: string;
  action: 'start' | 'stop';
  user_id: string;
  at: string;
  /** Only on a start: the consent it recorded. */
  text_version?: string | undefined;
}

export const recordingStore = {
  /** The call with its recording attributes validated. */
  withRecordingState: <C extends object>(call: C) => ({ ...call, ...RecordingStateItem.parse(call) }),

  /** Every recording item of the call (one Query of its partition), validated. */
  list: async (callId: string): Promise<RecordingRecord[]> =>
    (await queryPartition<Item>(keys.callPartition(callId), RECORDING_PREFIX)).map((item) => RecordingItem.parse(item)),

  parts: {
    /**
     * Sets the call's recording state while it is active; a start records consent with it. The old
     * item comes back on failure (present: the call ended; absent: no such call).
     */
    setState: (callId: string, state: 'started' | 'stopped', consent: ConsentRecord | undefined): TransactWriteItem => ({
      Update: {
        TableName: tableName(),
        Key: toAttributes(keys.call(callId)),
        UpdateExpression: consent
          ? 'SET consent_recorded = :true, consent = :consent, recording_state = :state'
          : 'SET recording_state = :state',
        ConditionExpression: '#status = :active',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: toValues({
          ':active': 'active',
          ':state': state,
          ...(consent ? { ':true': true, ':consent': consent } : {}),
        }),
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    }),
    /** The audit item of one start or stop. */
    action: (action: RecordingActionRecord, actionId: string): TransactWriteItem => ({
      Put: {
        TableName: tableName(),
        Item: toAttributes({
          ...keys.callRecordingAction(action.call_id, action.at, actionId),
          type: 'recording_action',
          call_id: action.call_id,
          action: action.action,
          user_id: action.user_id,
          at: action.at,
          ...(action.text_version === undefined ? {} : { consent_confirmed: true, text_version: action.text_version }),
        }),
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    }),
    /** Consent is on record for the call; the old item comes back on failure (absent: no such call). */
    consentOnRecord: (callId: string): TransactWriteItem => ({
      ConditionCheck: {
        TableName: tableName(),
        Key: toAttributes(keys.call(callId)),
        ConditionExpression: 'consent_recorded = :true',
        ExpressionAttributeValues: toValues({ ':true': true }),
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    }),
    create: (recording: RecordingRecord): TransactWriteItem => ({
      Put: {
        TableName: tableName(),
        Item: toAttributes({ ...keys.callRecording(recording.call_id, recording.recording_id), type: 'recording', ...recording }),
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    }),
  },
};
