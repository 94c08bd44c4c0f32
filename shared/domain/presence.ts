import * as z from 'zod/mini';
import type { Item } from '../db/client';
import { getConfig } from '../config';
import { callStore } from '../db/calls';
import { markPresenceReported, queueEmptyLiveClass } from '../db/live-class-sweep';
import { getItem, getItemsInOrder, retryOnConflict, RETRY } from '../db/items';
import { keys, participantShard, type ItemKey } from '../db/keys';
import { parseGate } from '../db/live-classes';
import { parseParticipant, presenceWritePart, type ParticipantRecord } from '../db/participants';
import { transaction, type Parts } from '../db/transaction';
import { endCallBySystem } from './calls';
import { loadAllParticipants } from './live-classes';
import { eventPart, newEvent } from '../events/outbox';
import {
  applyPresence,
  ROOM_END_MARK,
  sessionTransitions,
  type EventMarks,
  type PresenceEvent,
  type PresenceState,
} from './presence-rules';
import { secondsBetween } from './room-rules';

// Jitsi's presence (event_sync, JaaS webhooks) applied to the room engine's sessions. A room is
// found from its name in one read (the ROOM# item a call or class claims when it is created);
// rooms that are not ours are acknowledged and ignored. Every write is conditional on the
// participant item as read and retried, so concurrent events and API calls never lose a change.

const RoomPointer = z.looseObject({
  call_id: z.optional(z.string()),
  live_class_id: z.optional(z.string()),
  presence_reported: z.optional(z.boolean()),
});

type Target = { kind: 'call'; id: string } | { kind: 'live_class'; id: string };

async function targetOf(roomName: string): Promise<Target | undefined> {
  const item = await getItem<Item>(keys.room(roomName.toLowerCase()));
  if (!item) return undefined;
  const pointer = RoomPointer.parse(item);
  if (pointer.call_id) return { kind: 'call', id: pointer.call_id };
  if (pointer.live_class_id) {
    // Once per class: the sweeper closes never-connected joins only in rooms Jitsi reports presence for.
    if (!pointer.presence_reported) await markPresenceReported(roomName);
    return { kind: 'live_class', id: pointer.live_class_id };
  }
  return undefined;
}

/** The room's end (if ended) and the user's participant item, in one round trip. */
async function loadSeat(
  target: Target,
  userId: string,
): Promise<
  { key: ItemKey; ids: Record<string, string>; endedAt: string | undefined; participant: ParticipantRecord | undefined } | undefined
> {
  if (target.kind === 'call') {
    const { call, participant } = await callStore.loadWithParticipant(target.id, userId);
    if (!call) return undefined;
    return {
      key: keys.callParticipant(target.id, userId),
      ids: { call_id: call.call_id, thread_id: call.thread_id },
      endedAt: call.status === 'ended' ? call.ended_at : undefined,
      participant,
    };
  }
  const shard = participantShard(userId);
  const key = keys.liveClassParticipant(target.id, shard, userId);
  const [gateItem, participantItem] = await getItemsInOrder([keys.liveClassGate(target.id, shard), key]);
  const gate = parseGate(gateItem);
  if (!gate) return undefined;
  return {
    key,
    ids: { live_class_id: gate.live_class_id, course_id: gate.course_id },
    endedAt: gate.status === 'ended' ? gate.ended_at : undefined,
    participant: parseParticipant(participantItem),
  };
}

const stateOf = (participant: ParticipantRecord | undefined): PresenceState => ({
  open_joined_at: participant?.open_joined_at,
  open_from_presence: participant?.open_from_presence,
  sessions: participant?.sessions ?? [],
  occupants: participant?.occupants ?? {},
  ...(participant?.pruned_until ? { pruned_until: participant.pruned_until } : {}),
});

async function applyTo(target: Target, userId: string, events: PresenceEvent | PresenceEvent[]): Promise<void> {
  await retryOnConflict(async () => {
    const seat = await loadSeat(target, userId);
    if (!seat) return undefined;
    let next: PresenceState | undefined;
    for (const event of [events].flat()) next = applyPresence(next ?? stateOf(seat.participant), event, seat.endedAt) ?? next;
    if (!next) return undefined;
    const { parts, marks } = sessionEventParts(stateOf(seat.participant), next, seat.participant?.presence_events, seat.ids, userId);
    const outcome = await transaction({
      session: presenceWritePart(seat.key, userId, seat.participant, { ...next, presence_events: marks }),
      ...parts,
    });
    return outcome.ok ? undefined : RETRY;
  });
}

/**
 * ParticipantJoined / ParticipantLeft for the sessions this change opened or closed, as parts of
 * the same transaction as the session write (as the room engine's joins and leaves write them):
 * a retried or reordered delivery that changes no session writes none.
 */
function sessionEventParts(
  prev: PresenceState,
  next: PresenceState,
  seenMarks: EventMarks | undefined,
  ids: Record<string, string>,
  userId: string,
): { parts: Parts; marks: EventMarks } {
  const { joined, left, marks } = sessionTransitions(prev, next, seenMarks);
  const parts: Parts = {};
  joined.forEach((joinedAt, index) => {
    parts[`joined${index}`] = eventPart(newEvent('ParticipantJoined', { ...ids, user_id: userId, joined_at: joinedAt }, joinedAt));
  });
  left.forEach((session, index) => {
    const data = {
      ...ids,
      user_id: userId,
      joined_at: session.joined_at,
      left_at: session.left_at,
      duration_seconds: secondsBetween(session.joined_at, session.left_at),
      left_reason: session.left_reason,
    };
    parts[`left${index}`] = eventPart(newEvent('ParticipantLeft', data, session.left_at));
  });
  return { parts, marks };
}

export interface OccupantReport {
  userId: string;
  occupantJid: string;
  joinedAt: string;
  leftAt?: string;
}

/** An occupant joined or left a room: the user's sessions follow (true if the room is ours). */
export async function occupantChanged(roomName: string, report: OccupantReport): Promise<boolean> {
  const target = await targetOf(roomName);
  if (!target) return false;
  await applyTo(target, report.userId, toEvent(report));
  return true;
}

const toEvent = (report: OccupantReport): PresenceEvent =>
  report.leftAt
    ? { kind: 'left', occupant: report.occupantJid, joinedAt: report.joinedAt, leftAt: report.leftAt }
    : { kind: 'joined', occupant: report.occupantJid, joinedAt: report.joinedAt };

/**
 * What a room's end at `destroyedAt` says of one participant: each occupant still in the room
 * (that joined before the end: a later one is in a later meeting of the same room) left with it,
 * and an open session no occupant confirms closes at the end (an end mark). Marked as the end's,
 * so an occupant's own left delivered later still lowers its `left_at`.
 */
function endEvents(participant: ParticipantRecord, destroyedAt: string): PresenceEvent[] {
  const inRoom = Object.entries(participant.occupants ?? {}).filter(
    ([, occupant]) => occupant.left_at === undefined && Date.parse(occupant.joined_at) <= Date.parse(destroyedAt),
  );
  return [
    ...inRoom.map(([jid, occupant]): PresenceEvent => ({
      kind: 'left',
      occupant: jid,
      joinedAt: occupant.joined_at,
      leftAt: destroyedAt,
      byEnd: true,
    })),
    ...(participant.open_joined_at
      ? [{ kind: 'left', occupant: `${ROOM_END_MARK}${destroyedAt}`, joinedAt: destroyedAt, leftAt: destroyedAt, byEnd: true } as const]
      : []),
  ];
}

/**
 * The room is gone: every occupant reported has left, every session still open closes at
 * `destroyedAt` (`disconnected`), and a thread call ends (`room_empty`). A live class stays live
 * (its host ends it, or the sweeper after LIVE_CLASS_EMPTY_MINUTES: it enters the sweeper's queue).
 */
export async function roomDestroyed(roomName: string, destroyedAt: string, occupants: OccupantReport[]): Promise<boolean> {
  const target = await targetOf(roomName);
  if (!target) return false;
  await Promise.all(
    occupants.map((occupant) =>
      applyTo(target, occupant.userId, {
        kind: 'left',
        occupant: occupant.occupantJid,
        joinedAt: occupant.joinedAt,
        leftAt: occupant.leftAt ?? destroyedAt,
        ...(occupant.leftAt === undefined ? { byEnd: true } : {}),
      }),
    ),
  );
  const participants =
    target.kind === 'call'
      ? (await callStore.loadWithParticipants(target.id)).participants
      : (await loadAllParticipants(target.id)).map(({ participant }) => participant);
  await Promise.all(
    participants
      .map((participant) => ({ userId: participant.user_id, events: endEvents(participant, destroyedAt) }))
      .filter(({ events }) => events.length > 0)
      .map(({ userId, events }) => applyTo(target, userId, events)),
  );
  if (target.kind === 'call') await endCallBySystem(target.id, { reason: 'room_empty' }, destroyedAt);
  else {
    // The sweeper ends it if nobody is back within LIVE_CLASS_EMPTY_MINUTES.
    const dueAt = new Date(Date.parse(destroyedAt) + getConfig().LIVE_CLASS_EMPTY_MINUTES * 60_000).toISOString();
    await queueEmptyLiveClass(target.id, destroyedAt, dueAt);
  }
  return true;
}
