import type { TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { AppError, notFound } from '../errors';
import type { Caller } from '../http/auth';
import type { JitsiRole } from '../jitsi/token';
import type { Item } from '../db/client';
import { retryOnConflict, RETRY } from '../db/items';
import type { ItemKey } from '../db/keys';
import { closeSessionPart, openSessionParts, type ClosedSession, type ParticipantRecord } from '../db/participants';
import { conditionFailedOn, transaction, type Parts } from '../db/transaction';
import { eventPart, newEvent } from '../events/outbox';
import { mintTokenFor, tokenResponse } from './join-info';
import { assertJoinRate, secondsBetween } from './room-rules';

// One room engine for thread calls and live classes: join, token refresh, leave, and closing
// the open sessions at the end. Each kind is a small adapter (RoomKind): where its room and
// participants live, who may enter with which role, and its response shape.
//
// A join's transaction holds only the caller's own items (the membership or enrollment check
// and the session write), so a crowd joining one room never contends on a shared item. Whether
// the room is open is read in round trip 1 (reads never conflict); `end` marks the room ended
// first and then closes the sessions it finds, and a join that raced the end is reported
// closed at `ended_at` (room-rules sessionViews).
//
// Events: opening and closing a session write ParticipantJoined / ParticipantLeft as a part of the
// same transaction (shared/events/outbox.ts), here and nowhere else, so every caller of the
// engine (the API, Jitsi presence, the sweeper) emits them.

export type LeftReason = 'left' | 'disconnected' | 'call_ended' | 'never_connected';

export interface Entry {
  /** The condition part that enforces the entry rule in the join's transaction (none when the claim suffices). */
  check: TransactWriteItem | undefined;
  /** Read beside the transaction: host or not, or undefined for an outsider. */
  host: () => Promise<boolean | undefined>;
}

export interface Loaded<Room> {
  room: Room | undefined;
  participant: ParticipantRecord | undefined;
  /** Parts the kind adds to a join's transaction from what it read (a call's ringing invitation is accepted). */
  joinParts?: Parts;
  /** Runs once that transaction committed (ring outcome metrics). */
  onJoined?: () => void;
}

export interface RoomKind<Room> {
  noun: string;
  /** Round trip 1 of a join, leave or token: the room as a joiner sees it, and the caller's participant item. */
  load(roomId: string, userId: string): Promise<Loaded<Room>>;
  /** The ids an event about this room carries: `{call_id, thread_id}` or `{live_class_id, course_id}`. */
  eventIds(room: Room): Record<string, string>;
  isOpen(room: Room): boolean;
  endedAt(room: Room): string | undefined;
  /** Why a join or token is refused on a room that is not open; outsiders learn only that they are outsiders. */
  notOpen(room: Room, caller: Caller): Promise<AppError>;
  /** Who may enter and with which role: the one place per kind. */
  entry(room: Room, caller: Caller): Entry;
  outsider(caller: Caller): AppError;
  notInRoom(): AppError;
  participantKey(room: Room, userId: string): ItemKey;
  participantExtra(room: Room, caller: Caller): Item;
  jitsiRoom(room: Room): string;
  jitsiRole(host: boolean): JitsiRole;
  joinResponse(caller: Caller, room: Room, host: boolean, nowMs: number): Promise<unknown>;
}

/**
 * Joins in two sequential round trips: (1) the room and the caller's participant item; (2) the
 * transaction (entry check, session write, plus any parts the caller adds) beside the role read.
 */
export function joinRoom<Room, R>(kind: RoomKind<Room>, caller: Caller, roomId: string, extraParts: Parts = {}): Promise<R> {
  return retryOnConflict(async () => {
    const { room, participant, joinParts, onJoined } = await kind.load(roomId, caller.userId);
    if (!room) throw notFound(kind.noun);
    if (!kind.isOpen(room)) throw await kind.notOpen(room, caller);
    const now = new Date();
    assertJoinRate(participant, now.getTime());
    const { session, archive } = openSessionParts(
      kind.participantKey(room, caller.userId),
      caller.userId,
      participant,
      now.toISOString(),
      kind.participantExtra(room, caller),
    );
    const entry = kind.entry(room, caller);
    const joined = eventPart(
      newEvent('ParticipantJoined', { ...kind.eventIds(room), user_id: caller.userId, joined_at: now.toISOString() }, now.toISOString()),
    );
    const [outcome, host] = await Promise.allSettled([
      transaction({ member: entry.check, session, archive, joined, ...joinParts, ...extraParts }),
      entry.host(),
    ]);
    if (outcome.status === 'rejected') throw outcome.reason;
    if (!outcome.value.ok) {
      if (conditionFailedOn(outcome.value.failed.member)) throw kind.outsider(caller);
      // The participant item changed under us (another device joined or left) or a conflict: read again.
      return RETRY;
    }
    onJoined?.();
    if (host.status === 'rejected') throw host.reason;
    if (host.value === undefined) throw kind.outsider(caller);
    return (await kind.joinResponse(caller, room, host.value, now.getTime())) as R;
  });
}

/** A fresh Jitsi token under the join's rules; the role is read again, so someone removed gets 403. */
export async function refreshRoomToken<Room>(kind: RoomKind<Room>, caller: Caller, roomId: string) {
  const { room } = await kind.load(roomId, caller.userId);
  if (!room) throw notFound(kind.noun);
  const host = await kind.entry(room, caller).host();
  if (host === undefined) throw kind.outsider(caller);
  if (!kind.isOpen(room)) throw await kind.notOpen(room, caller);
  return tokenResponse(await mintTokenFor(caller, kind.jitsiRoom(room), kind.jitsiRole(host)));
}

/**
 * Closes the caller's open session, retrying when a concurrent join or leave changed it first.
 * A leave just after the end finds its session already closed at the end: that is the answer.
 */
export function leaveRoom<Room>(
  kind: RoomKind<Room>,
  caller: Caller,
  roomId: string,
): Promise<ClosedSession & { duration_seconds: number }> {
  return retryOnConflict(async () => {
    const { room, participant } = await kind.load(roomId, caller.userId);
    if (!room) throw notFound(kind.noun);
    const endedAt = kind.endedAt(room);
    const openSince = participant?.open_joined_at;
    if (!openSince) {
      const last = participant?.sessions?.at(-1);
      if (endedAt && last && last.left_at === endedAt) return withDuration(last);
      throw kind.notInRoom();
    }
    const leftAt = endedAt ?? new Date().toISOString();
    const joinedAt = Date.parse(openSince) <= Date.parse(leftAt) ? openSince : leftAt;
    const closed = await closeWithEvent(
      kind.participantKey(room, caller.userId),
      caller.userId,
      openSince,
      leftAt,
      kind.eventIds(room),
      endedAt ? 'call_ended' : 'left',
      participant.open_from_presence,
    );
    return closed ? withDuration({ joined_at: joinedAt, left_at: leftAt }) : RETRY;
  });
}

const withDuration = (session: ClosedSession) => ({
  joined_at: session.joined_at,
  left_at: session.left_at,
  duration_seconds: secondsBetween(session.joined_at, session.left_at),
});

/**
 * Closes one open session and writes its ParticipantLeft in the same transaction; false when the
 * session changed first (another device joined or left): nothing was written, read again.
 */
export async function closeWithEvent(
  key: ItemKey,
  userId: string,
  openJoinedAt: string,
  leftAt: string,
  ids: Record<string, string>,
  leftReason: LeftReason,
  /** The session was opened by presence: the closed one says so (presence's event count keeps it). */
  fromPresence?: boolean,
): Promise<boolean> {
  const joinedAt = Date.parse(openJoinedAt) <= Date.parse(leftAt) ? openJoinedAt : leftAt;
  const left = newEvent(
    'ParticipantLeft',
    {
      ...ids,
      user_id: userId,
      joined_at: joinedAt,
      left_at: leftAt,
      duration_seconds: secondsBetween(joinedAt, leftAt),
      left_reason: leftReason,
    },
    leftAt,
  );
  const outcome = await transaction({
    session: closeSessionPart(key, openJoinedAt, leftAt, leftReason, fromPresence),
    left: eventPart(left),
  });
  return outcome.ok;
}

/**
 * Closes every open session at `endedAt`, all side by side: one round trip whatever their number.
 * A lost race means the participant left (or rejoined) first; the log still reports it truthfully.
 */
export async function closeOpenSessions(
  participants: { key: ItemKey; participant: ParticipantRecord }[],
  endedAt: string,
  ids: Record<string, string>,
  leftReason: LeftReason = 'call_ended',
): Promise<void> {
  await Promise.all(
    participants
      .filter(({ participant }) => participant.open_joined_at)
      .map(({ key, participant }) =>
        closeWithEvent(
          key,
          participant.user_id,
          participant.open_joined_at as string,
          endedAt,
          ids,
          leftReason,
          participant.open_from_presence,
        ),
      ),
  );
}

/** A kind's join, token and leave operations, with the leave answer naming the room by `idField`. */
export function roomOperations<Room, JoinResponse>(kind: RoomKind<Room>, idField: 'call_id' | 'live_class_id') {
  return {
    join: (caller: Caller, roomId: string) => joinRoom<Room, JoinResponse>(kind, caller, roomId),
    refreshToken: (caller: Caller, roomId: string) => refreshRoomToken(kind, caller, roomId),
    leave: async (caller: Caller, roomId: string) => ({
      [idField]: roomId,
      user_id: caller.userId,
      ...(await leaveRoom(kind, caller, roomId)),
    }),
  };
}
