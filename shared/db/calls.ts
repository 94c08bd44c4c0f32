import type { TransactWriteItem } from '@aws-sdk/client-dynamodb';
import * as z from 'zod/mini';
import { tableName, toAttributes, toValues, type Item } from './client';
import { dueInSweepQueue, getItem, getItemsInOrder, parseItem, queryIndexPage, queryPartition, updateIf } from './items';
import { parseInvitation, type InvitationRecord } from './invitations';
import { INVITATION_PREFIX, keys } from './keys';
import { parseParticipant, splitParticipants } from './participants';

// The call repository: the call item, its place in the thread's listing (gsi1) and its
// partition (participants, recordings), and while active its place in the sweeper's queue (gsi4).

const CallItem = z.looseObject({
  call_id: z.string(),
  thread_id: z.string(),
  call_type: z.enum(['audio', 'video']),
  status: z.enum(['active', 'ended']),
  initiator_id: z.string(),
  room: z.string(),
  started_at: z.string(),
  ended_at: z.optional(z.string()),
  ended_by: z.optional(z.string()),
  end_reason: z.optional(z.enum(['ended', 'room_empty', 'expired'])),
  consent_recorded: z.optional(z.boolean()),
  /** Calls started before the INVITED item kept the members rung here; read, never written. */
  invited_user_ids: z.optional(z.array(z.string())),
  ring_expires_at: z.optional(z.string()),
  /** How many invitations the start wrote after its transaction (0: all in it, so none can be missing). */
  late_invitations: z.optional(z.number()),
});
export type CallRecord = z.infer<typeof CallItem>;
export type CallType = CallRecord['call_type'];
export type EndReason = NonNullable<CallRecord['end_reason']>;
/** Who ended a call and why: a user (`ended`), or the service on Jitsi's word or the clock (no user). */
export type EndCause = { reason: 'ended'; by: string } | { reason: 'room_empty' | 'expired'; by?: undefined };

/** Everyone the start rang, in the call's partition: the log's invitations come from this list. */
const InvitedItem = z.looseObject({ user_ids: z.array(z.string()) });

const isCallItem = (item: Item) => item.sk === keys.call('x').sk;
const isInvitedItem = (item: Item) => item.sk === keys.callInvited('x').sk;

const endUpdate = (callId: string, cause: EndCause, endedAt: string) => ({
  TableName: tableName(),
  Key: toAttributes(keys.call(callId)),
  // Leaving the sweeper's queue in the same write: an ended call is never swept.
  UpdateExpression: `SET #status = :ended, ended_at = :at, end_reason = :reason${cause.by ? ', ended_by = :by' : ''} REMOVE gsi4pk, gsi4sk`,
  ConditionExpression: '#status = :active',
  ExpressionAttributeNames: { '#status': 'status' },
  ExpressionAttributeValues: toValues({
    ':ended': 'ended',
    ':active': 'active',
    ':at': endedAt,
    ':reason': cause.reason,
    ...(cause.by ? { ':by': cause.by } : {}),
  }),
  ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
});

export const callStore = {
  load: async (callId: string) => parseItem(CallItem, await getItem(keys.call(callId))),

  /** The call, the caller's participant item and their invitation, one round trip. */
  async loadWithParticipant(callId: string, userId: string) {
    const [call, participant, invitation] = await getItemsInOrder([
      keys.call(callId),
      keys.callParticipant(callId, userId),
      keys.callInvitation(callId, userId),
    ]);
    return { call: parseItem(CallItem, call), participant: parseParticipant(participant), invitation: parseInvitation(invitation) };
  },

  /**
   * The call, every participant, every invitation and the members the start rang (`invited`,
   * undefined for a call that rang nobody): one Query of the call's partition.
   */
  async loadWithParticipants(callId: string) {
    const { participants, others } = splitParticipants(await queryPartition<Item>(keys.callPartition(callId)));
    const invitations: InvitationRecord[] = others
      .filter((item) => typeof item.sk === 'string' && item.sk.startsWith(INVITATION_PREFIX))
      .map((item) => parseInvitation(item) as InvitationRecord);
    const call = parseItem(CallItem, others.find(isCallItem));
    const invited = parseItem(InvitedItem, others.find(isInvitedItem))?.user_ids ?? call?.invited_user_ids;
    return { call, participants, invitations, invited };
  },

  /** The members the start rang (one GetItem of the INVITED item; calls from before it kept them on the call item). */
  async loadInvited(call: CallRecord): Promise<string[]> {
    return parseItem(InvitedItem, await getItem(keys.callInvited(call.call_id)))?.user_ids ?? call.invited_user_ids ?? [];
  },

  /** A page of a thread's calls, newest first, after the call a cursor names. */
  async listByThread(threadId: string, limit: number, after?: { s: string; c: string }) {
    const page = await queryIndexPage({
      partition: keys.threadCallsPartition(threadId),
      limit,
      newestFirst: true,
      startKey: after ? { ...keys.call(after.c), ...keys.threadCallsIndex(threadId, after.s, after.c) } : undefined,
    });
    return { calls: page.items.map((item) => CallItem.parse(item)), more: page.more };
  },

  /** Up to `limit` active calls whose sweep deadline is before `now`, earliest first (one Query of gsi4). */
  async dueForSweep(now: string, limit: number): Promise<{ call: CallRecord; sweepKey: string }[]> {
    const items = await dueInSweepQueue(keys.sweepPartition(), now, limit);
    return items.map((item) => ({ call: CallItem.parse(item), sweepKey: item.gsi4sk as string }));
  },

  /**
   * Moves an active call's sweep deadline, only if it is still the one the sweeper read: of two
   * overlapping runs one moves it, the other is told false and leaves it.
   */
  reschedule: (callId: string, sweepKey: string, nextAt: string): Promise<boolean> =>
    updateIf({
      TableName: tableName(),
      Key: toAttributes(keys.call(callId)),
      UpdateExpression: 'SET gsi4sk = :next',
      ConditionExpression: '#status = :active AND gsi4sk = :seen',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: toValues({ ':next': keys.sweepIndex(nextAt, callId).gsi4sk, ':seen': sweepKey, ':active': 'active' }),
    }),

  parts: {
    /** The new call, in the sweeper's queue from `sweepAt` (its first deadline). */
    create: (call: CallRecord, sweepAt: string): TransactWriteItem => ({
      Put: {
        TableName: tableName(),
        Item: toAttributes({
          ...keys.call(call.call_id),
          ...keys.threadCallsIndex(call.thread_id, call.started_at, call.call_id),
          ...keys.sweepIndex(sweepAt, call.call_id),
          type: 'call',
          ...call,
        }),
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    }),
    /** The members the start rang (written in the start's transaction, never changed). */
    invited: (callId: string, userIds: string[]): TransactWriteItem => ({
      Put: {
        TableName: tableName(),
        Item: toAttributes({ ...keys.callInvited(callId), type: 'invited', user_ids: userIds }),
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    }),
    /** Ends an active call; the old item comes back on failure (already ended: by whom, when). */
    end: (callId: string, cause: EndCause, endedAt: string): TransactWriteItem => ({ Update: endUpdate(callId, cause, endedAt) }),
    /** The room name's pointer to the call: presence events find their call in one read. */
    claimRoom: (call: CallRecord): TransactWriteItem => ({
      Put: {
        TableName: tableName(),
        Item: toAttributes({
          ...keys.room(call.room),
          type: 'room',
          room_name: call.room,
          call_id: call.call_id,
          thread_id: call.thread_id,
        }),
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    }),
  },

  parseCall: (item: Item) => CallItem.parse(item),
};
