import type { TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import * as z from 'zod/mini';
import { dynamo, fromAttributes, send, tableName, toAttributes, toValues, type Item } from './client';
import { keys } from './keys';

// The invitation repository: one item per invited member, next to the call (the log reads it in
// the call's Query). While ringing it is in two sparse indexes: the member's incoming calls
// (gsi2) and the ring job's queue by expiry (gsi3); leaving `ringing` removes both.

export const INVITATION_STATES = ['ringing', 'accepted', 'declined', 'missed', 'cancelled'] as const;
export type InvitationState = (typeof INVITATION_STATES)[number];

const InvitationItem = z.looseObject({
  call_id: z.string(),
  thread_id: z.string(),
  call_type: z.enum(['audio', 'video']),
  initiator_id: z.string(),
  started_at: z.string(),
  user_id: z.string(),
  state: z.enum(INVITATION_STATES),
  updated_at: z.string(),
  ring_expires_at: z.string(),
});
export type InvitationRecord = z.infer<typeof InvitationItem>;

export const parseInvitation = (item: Item | undefined) => (item === undefined ? undefined : InvitationItem.parse(item));

export const invitationStore = {
  parts: {
    /** A new invitation; in both indexes only while ringing (one written already settled is in neither). */
    create: (invitation: InvitationRecord): TransactWriteItem => ({
      Put: {
        TableName: tableName(),
        Item: toAttributes({
          ...keys.callInvitation(invitation.call_id, invitation.user_id),
          ...(invitation.state === 'ringing'
            ? {
                ...keys.incomingIndex(invitation.user_id, invitation.ring_expires_at, invitation.call_id),
                ...keys.ringingIndex(invitation.ring_expires_at, invitation.call_id, invitation.user_id),
              }
            : {}),
          type: 'invitation',
          ...invitation,
        }),
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    }),
    /** ringing → `to`, out of both indexes; fails (with the item as it was) unless still ringing. */
    settle: (callId: string, userId: string, to: Exclude<InvitationState, 'ringing'>, at: string): TransactWriteItem => ({
      Update: {
        TableName: tableName(),
        Key: toAttributes(keys.callInvitation(callId, userId)),
        UpdateExpression: 'SET #state = :to, updated_at = :at REMOVE gsi2pk, gsi2sk, gsi3pk, gsi3sk',
        ConditionExpression: '#state = :ringing',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: toValues({ ':to': to, ':at': at, ':ringing': 'ringing' }),
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    }),
  },

  /** A user's ringing invitations: one Query of their gsi2 partition, soonest to expire first. */
  async incoming(userId: string, limit = 50): Promise<InvitationRecord[]> {
    const page = await send(
      dynamo().send(
        new QueryCommand({
          TableName: tableName(),
          IndexName: 'gsi2',
          KeyConditionExpression: 'gsi2pk = :partition',
          ExpressionAttributeValues: toValues({ ':partition': keys.incomingPartition(userId) }),
          Limit: limit,
        }),
      ),
    );
    return (page.Items ?? []).map((attributes) => InvitationItem.parse(fromAttributes(attributes)));
  },

  /** Up to `limit` ringing invitations of one shard whose ring expired before `now` (the ring job's queue). */
  async ringingExpired(shard: number, now: string, limit: number): Promise<InvitationRecord[]> {
    const page = await send(
      dynamo().send(
        new QueryCommand({
          TableName: tableName(),
          IndexName: 'gsi3',
          KeyConditionExpression: 'gsi3pk = :partition AND gsi3sk < :before',
          ExpressionAttributeValues: toValues({ ':partition': keys.ringingPartition(shard), ':before': keys.ringingBefore(now) }),
          Limit: limit,
        }),
      ),
    );
    return (page.Items ?? []).map((attributes) => InvitationItem.parse(fromAttributes(attributes)));
  },
};
