// Every key string of the table is built here and nowhere else.
import { createHash } from 'node:crypto';
// Ids never contain '#' (see shared/schemas/ids.ts), so a key cannot be forged from an id.

const SEPARATOR = '#';
const key = (...parts: string[]) => parts.join(SEPARATOR);

export interface ItemKey {
  pk: string;
  sk: string;
}

export const PARTICIPANT_PREFIX = key('PARTICIPANT', '');
/** Recording metadata items in a call's partition (the call log skips them: it reads PARTICIPANT# only). */
export const RECORDING_PREFIX = key('RECORDING', '');
/** A thread's member items, next to the thread item in its partition. */
export const MEMBER_PREFIX = key('MEMBER', '');

export const keys = {
  thread: (threadId: string): ItemKey => ({ pk: key('THREAD', threadId), sk: 'THREAD' }),
  /** One item per member: a join condition-checks this small item, never the thread item. */
  threadMember: (threadId: string, userId: string): ItemKey => ({ pk: key('THREAD', threadId), sk: key('MEMBER', userId) }),
  threadPartition: (threadId: string) => key('THREAD', threadId),

  call: (callId: string): ItemKey => ({ pk: key('CALL', callId), sk: 'CALL' }),
  /** A user's sessions in a call live on one item next to the call, so the log is one Query. */
  callParticipant: (callId: string, userId: string): ItemKey => ({ pk: key('CALL', callId), sk: key('PARTICIPANT', userId) }),
  callPartition: (callId: string) => key('CALL', callId),
  /** Closed sessions moved off a participant item that reached its size bound (numbered 1, 2, ...). */
  participantArchive: (participant: ItemKey, archive: number): ItemKey => ({
    pk: participant.pk,
    sk: key(participant.sk, String(archive)),
  }),
  /** gsi1: a thread's calls, sorted by start time then id. */
  threadCallsIndex: (threadId: string, startedAt: string, callId: string) => ({
    gsi1pk: key('THREAD', threadId, 'CALLS'),
    gsi1sk: key(startedAt, callId),
  }),
  threadCallsPartition: (threadId: string) => key('THREAD', threadId, 'CALLS'),
  /** Encrypted recording metadata, next to the call so a call's data lives (and is deleted) together. */
  callRecording: (callId: string, recordingId: string): ItemKey => ({ pk: key('CALL', callId), sk: key('RECORDING', recordingId) }),
  /** Audit trail of recording start/stop (consent): sorted by time; the id keeps same-millisecond actions apart. */
  callRecordingAction: (callId: string, at: string, actionId: string): ItemKey => ({
    pk: key('CALL', callId),
    sk: key('RECORDING_ACTION', at, actionId),
  }),

  /** Existence of a course and its instructor ids (a small set: attendance derives host roles from it). */
  course: (courseId: string): ItemKey => ({ pk: key('COURSE', courseId), sk: 'COURSE' }),
  /** One partition per (course, user): the join's enrollment check never lands on a shared key. */
  courseMember: (courseId: string, userId: string): ItemKey => ({ pk: key('COURSE', courseId, 'MEMBER', userId), sk: 'MEMBER' }),
  liveClass: (liveClassId: string): ItemKey => ({ pk: key('LIVECLASS', liveClassId), sk: 'LIVECLASS' }),
  /** gsi1: a course's live classes, by scheduled (or creation) time then id. */
  courseLiveClassesIndex: (courseId: string, sortTime: string, liveClassId: string) => ({
    gsi1pk: key('COURSE', courseId, 'LIVECLASSES'),
    gsi1sk: key(sortTime, liveClassId),
  }),
  courseLiveClassesPartition: (courseId: string) => key('COURSE', courseId, 'LIVECLASSES'),
  /** Claimed in the class's create transaction: two classes can never share a Jitsi room. */
  room: (roomName: string): ItemKey => ({ pk: key('ROOM', roomName), sk: 'ROOM' }),
  /** A class's participants are spread over LIVE_CLASS_SHARDS partitions (docs/data-model-live-classes.md). */
  liveClassShardPartition: (liveClassId: string, shard: number) => key('LIVECLASS', liveClassId, 'SHARD', String(shard)),
  /** Per-shard copy of the class's status and room: a join reads and checks its own shard only. */
  liveClassGate: (liveClassId: string, shard: number): ItemKey => ({
    pk: key('LIVECLASS', liveClassId, 'SHARD', String(shard)),
    sk: 'GATE',
  }),
  liveClassParticipant: (liveClassId: string, shard: number, userId: string): ItemKey => ({
    pk: key('LIVECLASS', liveClassId, 'SHARD', String(shard)),
    sk: key('PARTICIPANT', userId),
  }),

  /** A live-channel WebSocket connection (deployed: one per API Gateway connection id, expires by TTL). */
  liveConnection: (connectionId: string): ItemKey => ({ pk: key('CONNECTION', connectionId), sk: 'CONNECTION' }),
  /** gsi2: a user's live connections, by connection time then id (the fan-out's one Query per user). */
  userConnectionsIndex: (userId: string, connectedAt: string, connectionId: string) => ({
    gsi2pk: key('USER', userId, 'CONNECTIONS'),
    gsi2sk: key(connectedAt, connectionId),
  }),
  userConnectionsPartition: (userId: string) => key('USER', userId, 'CONNECTIONS'),

  /** An invitation to ring one member, next to the call so the log reads it in the same Query. */
  callInvitation: (callId: string, userId: string): ItemKey => ({ pk: key('CALL', callId), sk: key('INVITE', userId) }),
  /** The members a call's start rang, off the call item so that reading the call (every join) stays small. */
  callInvited: (callId: string): ItemKey => ({ pk: key('CALL', callId), sk: 'INVITED' }),
  /** gsi2, only while ringing: a user's incoming calls, soonest to expire first. */
  incomingIndex: (userId: string, ringExpiresAt: string, callId: string) => ({
    gsi2pk: key('USER', userId, 'RINGING'),
    gsi2sk: key(ringExpiresAt, callId),
  }),
  incomingPartition: (userId: string) => key('USER', userId, 'RINGING'),
  /** gsi3, only while ringing: invitations by expiry, spread over RING_SHARDS partitions for the ring job. */
  ringingIndex: (ringExpiresAt: string, callId: string, userId: string) => ({
    gsi3pk: key('RINGING', String(participantShard(`${callId}/${userId}`, RING_SHARDS))),
    gsi3sk: key(ringExpiresAt, callId, userId),
  }),
  ringingPartition: (shard: number) => key('RINGING', String(shard)),
  ringingBefore: (at: string) => key(at, '~'),

  /** One partition per outbox event: writing events never contends, whatever the room. */
  outboxEvent: (eventId: string): ItemKey => ({ pk: key('EVENT', eventId), sk: 'EVENT' }),
  /** gsi3, local stores only: events not yet handed to the local consumers, oldest first. */
  undeliveredIndex: (occurredAt: string, eventId: string) => ({ gsi3pk: key('OUTBOX', 'UNDELIVERED'), gsi3sk: key(occurredAt, eventId) }),
  undeliveredPartition: () => key('OUTBOX', 'UNDELIVERED'),

  /** gsi4, only while a call is active: calls by their next sweep deadline (the sweeper's queue). */
  sweepIndex: (dueAt: string, callId: string) => ({ gsi4pk: key('SWEEP', 'CALL'), gsi4sk: key(dueAt, callId) }),
  sweepPartition: () => key('SWEEP', 'CALL'),
  /** gsi4, only while a live class Jitsi reported empty is still live: by when it ends (LIVE_CLASS_EMPTY_MINUTES). */
  liveClassSweepIndex: (dueAt: string, liveClassId: string) => ({ gsi4pk: key('SWEEP', 'LIVECLASS'), gsi4sk: key(dueAt, liveClassId) }),
  liveClassSweepPartition: () => key('SWEEP', 'LIVECLASS'),
  /**
   * gsi4, on a live-class participant item from its API join until the sweeper checked it: joins
   * by when Jitsi must have reported the user (PRESENCE_CONFIRM_SECONDS), spread over
   * LIVE_CLASS_SHARDS partitions by user so a class's crowd of joins is not one index partition.
   */
  liveClassJoinConfirmIndex: (dueAt: string, liveClassId: string, userId: string) => ({
    gsi4pk: key('SWEEP', 'LCJOIN', String(participantShard(userId))),
    gsi4sk: key(dueAt, liveClassId, userId),
  }),
  liveClassJoinConfirmPartition: (shard: number) => key('SWEEP', 'LCJOIN', String(shard)),
  sweepBefore: (at: string) => key(at, '~'),

  /** The last result of a component's scheduled probe (overwritten each run, expires by TTL). */
  probeResult: (component: string): ItemKey => ({ pk: key('PROBE', component), sk: 'LATEST' }),
} as const;

/** Partitions of the ringing-by-expiry index (gsi3): the ring job reads each, bounded. */
export const RING_SHARDS = 4;

/** Invitation items in a call's partition. */
export const INVITATION_PREFIX = key('INVITE', '');

/** Part of the key schema: changing it moves existing participants, so it needs a migration. */
export const LIVE_CLASS_SHARDS = 10;

/** Stable shard of a user in a live class: the same user always lands on the same item. */
export function participantShard(userId: string, shards = LIVE_CLASS_SHARDS): number {
  return createHash('sha256').update(userId).digest().readUInt32BE(0) % shards;
}
