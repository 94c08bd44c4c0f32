import type { TransactWriteItem } from '@aws-sdk/client-dynamodb';
import * as z from 'zod/mini';
import { tableName, toAttributes, toValues, type Item } from './client';
import { queryPartition } from './items';
import { keys, PARTICIPANT_PREFIX, type ItemKey } from './keys';

// The participant (session) repository, shared by calls and live classes. A user's sessions in
// one room live on one item: closed sessions in a list, the open one (if any) in
// `open_joined_at`. Every change is conditional on the open session the writer saw, so a join,
// leave or end racing another never loses or duplicates a session.

/** Why a session closed (the call log's `left_reason`). */
export const LEFT_REASONS = ['left', 'disconnected', 'call_ended', 'never_connected'] as const;
export type LeftReason = (typeof LEFT_REASONS)[number];

const ClosedSession = z.object({
  joined_at: z.string(),
  left_at: z.string(),
  left_reason: z.optional(z.enum(LEFT_REASONS)),
  /** A `disconnected` session that began with an API join (presence keeps its start when recomputing). */
  anchored: z.optional(z.boolean()),
  /** Opened by Jitsi's presence (kept when the API closes it: presence's event count includes it). */
  from_presence: z.optional(z.boolean()),
});
export type ClosedSession = z.infer<typeof ClosedSession>;

/** One Jitsi occupant (device) of the user, by occupant JID: what event_sync reported. */
const Occupant = z.object({
  joined_at: z.string(),
  left_at: z.optional(z.string()),
  /** The room's end set `left_at` (the occupant's own left may still lower it). */
  left_by_end: z.optional(z.boolean()),
});
export type OccupantRecord = z.infer<typeof Occupant>;

const ParticipantItem = z.looseObject({
  user_id: z.string(),
  open_joined_at: z.optional(z.string()),
  sessions: z.optional(z.array(ClosedSession)),
  /** How many archive items hold this user's older closed sessions. */
  archives: z.optional(z.number()),
  /** Live classes: set when the writer knew the caller was a host without a read (admin claim, or start). */
  host: z.optional(z.boolean()),
  /** Jitsi's occupants of this user in the room (presence), keyed by occupant JID. */
  occupants: z.optional(z.record(z.string(), Occupant)),
  /** The open session was opened by Jitsi's presence, not by an API join. */
  open_from_presence: z.optional(z.boolean()),
  /** Bumped by every presence write: the condition that keeps two presence events from losing one. */
  presence_rev: z.optional(z.number()),
  /** How many ParticipantJoined / _Left presence has written (high-water marks: never twice for one session). */
  presence_events: z.optional(z.object({ joined: z.number(), left: z.number() })),
  /** Occupants that left by then were pruned (presence keeps their sessions as they are). */
  pruned_until: z.optional(z.string()),
});
export type ParticipantRecord = z.infer<typeof ParticipantItem>;

/** Closed sessions kept on the participant item; older ones move to an archive item (about 40 KB each, far below 400 KB). */
export const SESSIONS_PER_ITEM = 500;

export const parseParticipant = (item: Item | undefined) => (item === undefined ? undefined : ParticipantItem.parse(item));
export const parseParticipantItem = (item: Item): ParticipantRecord => ParticipantItem.parse(item);

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
  // A join over a still-open session: the client came back without leaving (a reload).
  const closedNow = previous
    ? [{ joined_at: previous, left_at: now, left_reason: 'left', ...(seen?.open_from_presence ? { from_presence: true } : {}) }]
    : [];
  const kept = seen?.sessions ?? [];
  const archiving = kept.length >= SESSIONS_PER_ITEM;
  // Extra attributes (live-class bookkeeping) are named by our code, never by user input.
  const extraNames = Object.keys(extra);
  const names: Record<string, string> = {};
  const values: Item = { ':now': now, ':user': userId, ':closed': closedNow, ':false': false };
  extraNames.forEach((name, index) => {
    names[`#x${index}`] = name;
    values[`:x${index}`] = extra[name];
  });
  const set = [
    'open_joined_at = :now',
    'user_id = :user',
    'open_from_presence = :false',
    ...extraNames.map((_, index) => `#x${index} = :x${index}`),
  ];
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

/**
 * The update that closes the open session the caller saw, with why it closed; its condition fails
 * if someone else changed it first. A close never precedes its open.
 */
export function closeSessionPart(
  key: ItemKey,
  openJoinedAt: string,
  leftAt: string,
  leftReason: LeftReason,
  fromPresence = false,
): TransactWriteItem {
  const closed = {
    joined_at: openJoinedAt,
    left_at: Date.parse(leftAt) < Date.parse(openJoinedAt) ? openJoinedAt : leftAt,
    left_reason: leftReason,
    ...(fromPresence ? { from_presence: true } : {}),
  };
  return {
    Update: {
      TableName: tableName(),
      Key: toAttributes(key),
      UpdateExpression: 'REMOVE open_joined_at, open_from_presence SET sessions = list_append(if_not_exists(sessions, :empty), :closed)',
      ConditionExpression: 'open_joined_at = :open',
      ExpressionAttributeValues: toValues({ ':open': openJoinedAt, ':empty': [], ':closed': [closed] }),
    },
  };
}

/** What a presence event changes on a participant item: its sessions and occupants, whole. */
export interface PresenceWrite {
  open_joined_at: string | undefined;
  open_from_presence?: boolean;
  sessions: ClosedSession[];
  occupants: Record<string, OccupantRecord>;
  presence_events?: { joined: number; left: number };
  pruned_until?: string;
}

/**
 * Writes a participant's sessions and occupants as a presence event left them, conditional on
 * the item being as it was read (its open session, session count and presence revision), so a
 * concurrent join, leave, end or second presence event makes this attempt retry rather than lose
 * a write. Extra attributes (a live class's host flag) are set on a new item only.
 */
export function presenceWritePart(
  key: ItemKey,
  userId: string,
  seen: ParticipantRecord | undefined,
  next: PresenceWrite,
): TransactWriteItem {
  const values: Item = {
    ':user': userId,
    ':sessions': next.sessions,
    ':occupants': next.occupants,
    ':rev': (seen?.presence_rev ?? 0) + 1,
    ':fromPresence': Boolean(next.open_joined_at && next.open_from_presence),
  };
  const set = ['user_id = :user', 'sessions = :sessions', 'occupants = :occupants', 'presence_rev = :rev'];
  const conditions: string[] = [];
  if (next.pruned_until) {
    set.push('pruned_until = :prunedUntil');
    values[':prunedUntil'] = next.pruned_until;
  }
  if (next.presence_events) {
    set.push('presence_events = :events');
    values[':events'] = next.presence_events;
  }
  if (next.open_joined_at) {
    set.push('open_joined_at = :open');
    values[':open'] = next.open_joined_at;
  }
  if (seen?.open_joined_at) {
    conditions.push('open_joined_at = :seenOpen');
    values[':seenOpen'] = seen.open_joined_at;
  } else conditions.push('attribute_not_exists(open_joined_at)');
  if (seen?.sessions) {
    conditions.push('size(sessions) = :seenCount');
    values[':seenCount'] = seen.sessions.length;
  } else conditions.push('attribute_not_exists(sessions)');
  if (seen?.presence_rev) {
    conditions.push('presence_rev = :seenRev');
    values[':seenRev'] = seen.presence_rev;
  } else conditions.push('attribute_not_exists(presence_rev)');
  return {
    Update: {
      TableName: tableName(),
      Key: toAttributes(key),
      UpdateExpression: `SET ${set.join(', ')}${next.open_joined_at ? '' : ' REMOVE open_joined_at'}`.replace(
        'presence_rev = :rev',
        `presence_rev = :rev, open_from_presence = :fromPresence`,
      ),
      ConditionExpression: conditions.join(' AND '),
      ExpressionAttributeValues: toValues(values),
    },
  };
}
