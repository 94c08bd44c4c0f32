import type { TransactWriteItem } from '@aws-sdk/client-dynamodb';
import * as z from 'zod/mini';
import { tableName, toAttributes, toValues, type Item } from './client';
import { queryPartition } from './items';
import { keys, PARTICIPANT_PREFIX, type ItemKey } from './keys';

// The participant (session) repository, shared by calls and live classes. A user's sessions in
// one room live on one item: closed sessions in a list, the open one (if any) in
// `open_joined_at`. Every change is conditional on the open session the writer saw, so a join,
// leave or end racing another never loses or duplicates a session.

const ClosedSession = z.object({ joined_at: z.string(), left_at: z.string() });
export type ClosedSession = z.infer<typeof ClosedSession>;

const ParticipantItem = z.looseObject({
  user_id: z.string(),
  open_joined_at: z.optional(z.string()),
  sessions: z.optional(z.array(ClosedSession)),
  /** How many archive items hold this user's older closed sessions. */
  archives: z.optional(z.number()),
  /** Live classes: set when the writer knew the caller was a host without a read (admin claim, or start). */
  host: z.optional(z.boolean()),
});
export type ParticipantRecord = z.infer<typeof ParticipantItem>;

/** Closed sessions kept on the participant item; older ones move to an archive item (about 40 KB each, far below 400 KB). */
export const SESSIONS_PER_ITEM = 500;

export const parseParticipant = (item: Item | undefined) => (item === undefined ? undefined : ParticipantItem.parse(item));

/** Every participant item (and archive) of a partition. */
export async function loadParticipants(partition: string): Promise<ParticipantRecord[]> {
  return (await queryPartition<Item>(partition, PARTICIPANT_PREFIX)).map((item) => ParticipantItem.parse(item));
}

/** The partition's items split by kind: the rest (a call item, recordings) is handed back unparsed. */
export function splitParticipants(items: Item[]): { participants: ParticipantRecord[]; others: Item[] } {
  const participants: ParticipantRecord[] = [];
  const others: Item[] = [];
  for (const item of items) {
    if (typeof item.sk === 'string' && item.sk.startsWith(PARTICIPANT_PREFIX)) participants.push(ParticipantItem.parse(item));
    else others.push(item);
  }
  return { participants, others };
}

/**
 * The parts of a join: the session write (opening a session, closing a still-open one at `now`,
 * conditional on what the caller saw) and, when the item is full, the archive that takes its
 * closed sessions in the same transaction.
 */
export function openSessionParts(
  key: ItemKey,
  userId: string,
  seen: ParticipantRecord | undefined,
  now: string,
  extra: Item = {},
): { session: TransactWriteItem; archive: TransactWriteItem | undefined } {
  const previous = seen?.open_joined_at;
  const closedNow = previous ? [{ joined_at: previous, left_at: now }] : [];
  const kept = seen?.sessions ?? [];
  const archiving = kept.length >= SESSIONS_PER_ITEM;
  // Extra attributes (live-class bookkeeping) are named by our code, never by user input.
  const extraNames = Object.keys(extra);
  const names: Record<string, string> = {};
  const values: Item = { ':now': now, ':user': userId, ':closed': closedNow };
  extraNames.forEach((name, index) => {
    names[`#x${index}`] = name;
    values[`:x${index}`] = extra[name];
  });
  const set = ['open_joined_at = :now', 'user_id = :user', ...extraNames.map((_, index) => `#x${index} = :x${index}`)];
  const conditions = [previous ? 'open_joined_at = :previous' : 'attribute_not_exists(open_joined_at)'];
  if (previous) values[':previous'] = previous;
  if (archiving) {
    // The list is replaced, so the condition pins the length the archive copied.
    set.push('sessions = :closed', 'archives = :archives');
    conditions.push('size(sessions) = :kept');
    values[':kept'] = kept.length;
    values[':archives'] = (seen?.archives ?? 0) + 1;
  } else {
    set.push('sessions = list_append(if_not_exists(sessions, :empty), :closed)');
    values[':empty'] = [];
  }
  return {
    session: {
      Update: {
        TableName: tableName(),
        Key: toAttributes(key),
        UpdateExpression: `SET ${set.join(', ')}`,
        ConditionExpression: conditions.join(' AND '),
        ...(extraNames.length ? { ExpressionAttributeNames: names } : {}),
        ExpressionAttributeValues: toValues(values),
      },
    },
    archive: archiving
      ? {
          Put: {
            TableName: tableName(),
            Item: toAttributes({
              ...keys.participantArchive(key, (seen?.archives ?? 0) + 1),
              type: 'participant-archive',
              user_id: userId,
              sessions: kept,
            }),
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        }
      : undefined,
  };
}

/** The update that closes the open session the caller saw; its condition fails if someone else changed it first. */
export function closeSessionPart(key: ItemKey, openJoinedAt: string, leftAt: string): TransactWriteItem {
  return {
    Update: {
      TableName: tableName(),
      Key: toAttributes(key),
      UpdateExpression: 'REMOVE open_joined_at SET sessions = list_append(if_not_exists(sessions, :empty), :closed)',
      ConditionExpression: 'open_joined_at = :open',
      ExpressionAttributeValues: toValues({
        ':open': openJoinedAt,
        ':empty': [],
        ':closed': [{ joined_at: openJoinedAt, left_at: leftAt }],
      }),
    },
  };
}
