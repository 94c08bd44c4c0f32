import { randomBytes } from 'node:crypto';
import { getConfig } from '../config';
import { AppError, notFound } from '../errors';
import type { Caller } from '../http/auth';
import { NO_FEATURES, type JitsiRole } from '../jitsi/token';
import type { Item } from '../db/client';
import { courseStore } from '../db/courses';
import { retryOnConflict, RETRY } from '../db/items';
import { keys, LIVE_CLASS_SHARDS, participantShard } from '../db/keys';
import { liveClassStore, sortTimeOf, type GateRecord, type LiveClassRecord, type LiveClassStatus } from '../db/live-classes';
import { loadParticipants, openSessionParts } from '../db/participants';
import { conditionFailedOn, transaction, type Parts } from '../db/transaction';
import { COURSE_ID_MAX, COURSE_ID_PATTERN, LIVE_CLASS_ID_PATTERN } from '../schemas/live-classes';
import {
  courseRole,
  isHostRole,
  loadCourseAccess,
  loadCourseMember,
  managedCourse,
  managersOnly,
  outsiderError,
  type CourseRole,
} from './courses';
import { joinCredentials, tokenResponse } from './join-info';
import { endJitsiMeeting } from './jitsi-end';
import { eventPart, newEvent } from '../events/outbox';
import { closeOpenSessions, roomOperations, type RoomKind } from './room-engine';
import { occupantsInRoom } from './presence-rules';
import { byUser, decodeCursor, encodeCursor, secondsBetween, sessionViews, totalSeconds } from './room-rules';

// Layout and the capacity arithmetic behind it: docs/data-model-live-classes.md.

export type { LiveClassRecord, LiveClassStatus } from '../db/live-classes';

const MAX_CREATE_ATTEMPTS = 3;

const BASE32_ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
export const LIVE_CLASS_ID_LENGTH = 16;
export const ROOM_SUFFIX_LENGTH = 26;
const GENERATED_ID = new RegExp(`^[a-z2-7]{${LIVE_CLASS_ID_LENGTH}}$`);
const ROOM_SUFFIX = new RegExp(`^[a-z2-7]{${ROOM_SUFFIX_LENGTH}}$`);
const ROOM_NAME = new RegExp(`^([a-z0-9]+(?:-[a-z0-9]+)*)-([a-z2-7]{${LIVE_CLASS_ID_LENGTH}})-([a-z2-7]{${ROOM_SUFFIX_LENGTH}})$`);

/** RFC 4648 base32, lowercase, unpadded: Jitsi room names are case-insensitive, so no upper case. */
export function base32(bytes: Uint8Array): string {
  let value = 0;
  let bits = 0;
  let out = '';
  for (const byte of bytes) {
    value = ((value << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      out += BASE32_ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32_ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

/** 80 random bits; uniqueness is enforced by the create transaction, not by the odds. */
export const newLiveClassId = () => base32(randomBytes(10));
/** 128 bits from the CSPRNG: the room name cannot be guessed from the course and class ids. */
export const newRoomSuffix = () => base32(randomBytes(16));

/**
 * `{course_id}-{live_class_id}-{random}`. The last two parts are fixed-width and hyphen-free, so
 * the name splits back into its parts from the right even when the course id has hyphens:
 * different (course, class) pairs can never produce the same name.
 */
export function roomNameFor(courseId: string, liveClassId: string, suffix: string): string {
  if (courseId.length > COURSE_ID_MAX || !COURSE_ID_PATTERN.test(courseId))
    throw new Error(`invalid course id for a room name: ${courseId}`);
  if (!GENERATED_ID.test(liveClassId)) throw new Error(`invalid live class id for a room name: ${liveClassId}`);
  if (!ROOM_SUFFIX.test(suffix)) throw new Error('invalid room suffix');
  return `${courseId}-${liveClassId}-${suffix}`;
}

export function parseRoomName(room: string): { course_id: string; live_class_id: string; suffix: string } | undefined {
  const match = ROOM_NAME.exec(room);
  if (!match) return undefined;
  return { course_id: match[1] as string, live_class_id: match[2] as string, suffix: match[3] as string };
}

export interface IdSource {
  liveClassId(): string;
  roomSuffix(): string;
}

const randomIds: IdSource = { liveClassId: newLiveClassId, roomSuffix: newRoomSuffix };

const notStarted = () => new AppError('live_class_not_started', 'This live class has not started yet.');
const classEnded = () => new AppError('live_class_ended', 'This live class has ended.');
const notLive = (status: LiveClassStatus) => (status === 'ended' ? classEnded() : notStarted());

async function roleIn(caller: Caller, courseId: string): Promise<CourseRole | undefined> {
  if (caller.isAdmin) return 'admin';
  return courseRole(caller, await loadCourseMember(courseId, caller.userId));
}

/** Hosts moderate and may record; students wait in the lobby with every feature off. */
export const liveClassJitsiRole = (host: boolean): JitsiRole =>
  host ? { kind: 'host', features: { ...NO_FEATURES, recording: true } } : { kind: 'lobby-member', features: NO_FEATURES };

const loadLiveClass = liveClassStore.load;

const loadShardParticipants = (liveClassId: string, shard: number) => loadParticipants(keys.liveClassShardPartition(liveClassId, shard));

const shards = () => Array.from({ length: LIVE_CLASS_SHARDS }, (_, shard) => shard);

/** Every shard in parallel: one round trip of wall-clock time (plus pages for very large classes). */
export const loadAllParticipants = async (liveClassId: string) =>
  (await Promise.all(shards().map((shard) => loadShardParticipants(liveClassId, shard)))).flatMap((participants, shard) =>
    participants.map((participant) => ({ shard, participant })),
  );

export function liveClassView(liveClass: LiveClassRecord) {
  const { started_at: startedAt, ended_at: endedAt } = liveClass;
  return {
    live_class_id: liveClass.live_class_id,
    course_id: liveClass.course_id,
    title: liveClass.title,
    room_name: liveClass.room_name,
    status: liveClass.status,
    scheduled_at: liveClass.scheduled_at ?? null,
    started_at: startedAt ?? null,
    ended_at: endedAt ?? null,
    duration_seconds: startedAt && endedAt ? secondsBetween(startedAt, endedAt) : null,
    created_by: liveClass.created_by,
    created_at: liveClass.created_at,
  };
}

async function joinResponse(caller: Caller, gate: Pick<GateRecord, 'live_class_id' | 'room_name' | 'title'>, host: boolean, nowMs: number) {
  const config = getConfig();
  const { token, iceServers } = await joinCredentials(caller, gate.room_name, liveClassJitsiRole(host), nowMs);
  // Field for field the shape the Flutter app parses (../shared/API.md, "Courses and live classes").
  return {
    live_class_id: gate.live_class_id,
    room: gate.room_name,
    subject: gate.title,
    jitsi_server_url: config.JITSI_PUBLIC_URL,
    jitsi_domain: config.JITSI_DOMAIN,
    ...tokenResponse(token),
    ice_servers: iceServers,
    feature_flags: { 'lobby-mode.enabled': !host, 'prejoinpage.enabled': true, 'recording.enabled': host },
    is_moderator: host,
  };
}

/**
 * One transaction creates the class, claims its room name and writes the per-shard gates. A taken
 * id or room name cancels it, and the next attempt draws fresh random parts.
 */
export async function createLiveClass(
  caller: Caller,
  courseId: string,
  input: { title: string; scheduled_at?: string | undefined },
  ids: IdSource = randomIds,
  now = new Date(),
) {
  await managedCourse(caller, courseId);
  return retryOnConflict(async () => {
    const liveClassId = ids.liveClassId();
    const liveClass: LiveClassRecord = {
      live_class_id: liveClassId,
      course_id: courseId,
      title: input.title,
      room_name: roomNameFor(courseId, liveClassId, ids.roomSuffix()),
      status: 'scheduled',
      ...(input.scheduled_at ? { scheduled_at: new Date(input.scheduled_at).toISOString() } : {}),
      created_by: caller.userId,
      created_at: now.toISOString(),
    };
    const outcome = await transaction(liveClassStore.parts.create(liveClass));
    // An id or room name already taken: draw new ones. At 80 and 128 random bits, repeated
    // collisions mean contention, not bad luck, and end in 503.
    return outcome.ok ? liveClassView(liveClass) : RETRY;
  }, MAX_CREATE_ATTEMPTS);
}

/** A course's classes in schedule order (unscheduled ones by creation time), a page at a time. */
export async function listLiveClasses(caller: Caller, courseId: string, limit = 50, cursor?: string) {
  const { course, member } = await loadCourseAccess(courseId, caller.userId);
  if (!course) throw notFound('Course');
  if (!courseRole(caller, member)) throw outsiderError(caller);
  // The cursor names a class; the key is rebuilt here so a crafted cursor cannot reach another course.
  const after = cursor ? decodeCursor(cursor, LIVE_CLASS_ID_PATTERN) : undefined;
  const { classes, more } = await liveClassStore.listByCourse(courseId, limit, after);
  const last = classes.at(-1);
  return {
    items: classes.map(liveClassView),
    next_cursor: more && last ? encodeCursor({ s: sortTimeOf(last), c: last.live_class_id }) : null,
  };
}

export async function getLiveClass(caller: Caller, liveClassId: string) {
  const liveClass = await loadLiveClass(liveClassId);
  if (!liveClass) throw notFound('Live class');
  if (!(await roleIn(caller, liveClass.course_id))) throw outsiderError(caller);
  return liveClassView(liveClass);
}

const participantExtra = (liveClass: Pick<GateRecord, 'live_class_id' | 'course_id'>, host: boolean, userId: string): Item => ({
  type: 'live-class-participant',
  live_class_id: liveClass.live_class_id,
  course_id: liveClass.course_id,
  ...(host ? { host: true } : {}),
  // The join enters the sweeper's never-connected check (the caller's own item: no shared write).
  ...keys.liveClassJoinConfirmIndex(
    new Date(Date.now() + getConfig().PRESENCE_CONFIRM_SECONDS * 1000).toISOString(),
    liveClass.live_class_id,
    userId,
  ),
});

/** Live classes as a room kind: admins and the course's instructors host, enrolled students wait in the lobby. */
const liveClassRoom: RoomKind<GateRecord> = {
  noun: 'Live class',
  // The caller's shard gate and participant item: one partition, never the class item.
  async load(liveClassId, userId) {
    const { gate, participant } = await liveClassStore.loadShard(liveClassId, participantShard(userId), userId);
    return { room: gate, participant };
  },
  eventIds: (gate) => ({ live_class_id: gate.live_class_id, course_id: gate.course_id }),
  isOpen: (gate) => gate.status === 'live',
  endedAt: (gate) => (gate.status === 'ended' ? gate.ended_at : undefined),
  notOpen: async (gate, caller) => ((await roleIn(caller, gate.course_id)) ? notLive(gate.status) : outsiderError(caller)),
  entry: (gate, caller) => ({
    check: caller.isAdmin ? undefined : courseStore.parts.mayJoin(gate.course_id, caller.userId),
    host: async () => {
      const role = await roleIn(caller, gate.course_id);
      return role ? isHostRole(role) : undefined;
    },
  }),
  outsider: outsiderError,
  notInRoom: () => new AppError('not_in_call', 'You are not in this live class.'),
  participantKey: (gate, userId) => keys.liveClassParticipant(gate.live_class_id, participantShard(userId), userId),
  participantExtra: (gate, caller) => participantExtra(gate, caller.isAdmin, caller.userId),
  jitsiRoom: (gate) => gate.room_name,
  jitsiRole: liveClassJitsiRole,
  joinResponse: joinResponse,
};

/**
 * Starts the class and records the host's join in two sequential round trips: (1) the class and
 * the caller's participant item; (2) one transaction that flips the class and every gate to live,
 * checks the caller's instructor assignment (admins come from the roles claim) and opens the
 * session. Starting a class that is already live joins it as host.
 */
export async function startLiveClass(caller: Caller, liveClassId: string) {
  const shard = participantShard(caller.userId);
  return retryOnConflict(async () => {
    const { liveClass, participant } = await liveClassStore.loadWithParticipant(liveClassId, shard, caller.userId);
    if (!liveClass) throw notFound('Live class');
    if (liveClass.status === 'ended') {
      if (!isHostRole(await roleIn(caller, liveClass.course_id))) throw managersOnly();
      throw classEnded();
    }
    const now = new Date();
    const at = now.toISOString();
    const { session, archive } = openSessionParts(
      keys.liveClassParticipant(liveClassId, shard, caller.userId),
      caller.userId,
      participant,
      at,
      participantExtra(liveClass, true, caller.userId),
    );
    const ids = { live_class_id: liveClassId, course_id: liveClass.course_id };
    const starting = liveClass.status === 'scheduled';
    const outcome = await transaction({
      host: caller.isAdmin ? undefined : courseStore.parts.isInstructor(liveClass.course_id, caller.userId),
      ...(starting
        ? statusTransition(liveClassId, 'scheduled', 'live', at, caller.userId)
        : { class: liveClassStore.parts.statusIs(liveClassId, 'live') }),
      session,
      archive,
      started: starting ? eventPart(newEvent('LiveClassStarted', { ...ids, started_by: caller.userId, started_at: at }, at)) : undefined,
      joined: eventPart(newEvent('ParticipantJoined', { ...ids, user_id: caller.userId, joined_at: at }, at)),
    });
    if (outcome.ok) return joinResponse(caller, liveClass, true, now.getTime());
    if (conditionFailedOn(outcome.failed.host)) throw managersOnly();
    // Someone else started or ended it, or the caller's session changed: read again.
    return RETRY;
  });
}

const liveClassOperations = roomOperations<GateRecord, Awaited<ReturnType<typeof joinResponse>>>(liveClassRoom, 'live_class_id');
/** Joins a live class in two sequential round trips (the room engine's join, on the caller's shard). */
export const joinLiveClass = liveClassOperations.join;
/** A fresh Jitsi token under the join's rules; the role is re-read, so an unenrolled student gets 403. */
export const refreshLiveClassToken = liveClassOperations.refreshToken;
export const leaveLiveClass = liveClassOperations.leave;

const statusTransition = liveClassStore.parts.statusTransition;

/** The class and all its participants side by side: one round trip of wall-clock time. */
async function loadClassWithParticipants(liveClassId: string) {
  const [liveClass, participants] = await Promise.all([loadLiveClass(liveClassId), loadAllParticipants(liveClassId)]);
  return { liveClass, participants };
}

/**
 * Ends the class for everyone in at most three sequential round trips: (1) the class and every
 * shard's participants, side by side; (2) the transaction that flips the class and its gates to
 * ended and re-checks the caller's instructor assignment; (3) every open session closed at
 * `ended_at`, side by side. Repeating it is harmless; a class that never started cannot be ended (409).
 */
export async function endLiveClass(caller: Caller, liveClassId: string) {
  const loaded = await loadClassWithParticipants(liveClassId);
  let liveClass = loaded.liveClass;
  if (!liveClass) throw notFound('Live class');
  if (liveClass.status === 'live') {
    liveClass = (await markLiveClassEnded(liveClass, new Date().toISOString(), caller)).liveClass;
  } else {
    if (!isHostRole(await roleIn(caller, liveClass.course_id))) throw managersOnly();
    if (liveClass.status === 'scheduled') throw notStarted();
  }
  const { started_at: startedAt, ended_at: endedAt } = liveClass;
  if (!startedAt || !endedAt) throw new Error('live class was not ended');
  const jitsiMeetingEnded = await closeAndEndMeeting(liveClass, loaded.participants, endedAt);
  return {
    status: 'ended' as const,
    started_at: startedAt,
    ended_at: endedAt,
    duration_seconds: secondsBetween(startedAt, endedAt),
    jitsi_meeting_ended: jitsiMeetingEnded,
  };
}

/**
 * The transaction that flips a live class and its gates to ended with its LiveClassEnded; with a
 * caller, re-checking their instructor assignment. `endedHere` false: someone ended it first.
 */
async function markLiveClassEnded(
  liveClass: LiveClassRecord,
  endedAt: string,
  caller: Caller | undefined,
): Promise<{ liveClass: LiveClassRecord; endedHere: boolean }> {
  const liveClassId = liveClass.live_class_id;
  const by = caller?.userId;
  const outcome = await retryOnConflict(async () => {
    const startedAt = liveClass.started_at ?? endedAt;
    const ended = newEvent(
      'LiveClassEnded',
      {
        live_class_id: liveClassId,
        course_id: liveClass.course_id,
        ended_by: by ?? null,
        ...(by ? {} : { end_reason: 'room_empty' }),
        started_at: startedAt,
        ended_at: endedAt,
        duration_seconds: secondsBetween(startedAt, endedAt),
      },
      endedAt,
    );
    const result = await transaction<Parts>({
      host: !caller || caller.isAdmin ? undefined : courseStore.parts.isInstructor(liveClass.course_id, caller.userId),
      ...statusTransition(liveClassId, 'live', 'ended', endedAt, by),
      ended: eventPart(ended),
    });
    if (result.ok) return 'ended' as const;
    if (conditionFailedOn(result.failed.host)) throw managersOnly();
    // Ended by someone else meanwhile: read what they wrote.
    if (conditionFailedOn(result.failed.class)) return 'already' as const;
    return RETRY;
  });
  return outcome === 'ended'
    ? { liveClass: { ...liveClass, status: 'ended', ended_at: endedAt, ...(by ? { ended_by: by } : {}) }, endedHere: true }
    : { liveClass: (await loadLiveClass(liveClassId)) as LiveClassRecord, endedHere: false };
}

/** Every open session closed at the end (`call_ended`), beside Jitsi's end-meeting. */
async function closeAndEndMeeting(
  liveClass: LiveClassRecord,
  participants: Awaited<ReturnType<typeof loadAllParticipants>>,
  endedAt: string,
) {
  const [, jitsiMeetingEnded] = await Promise.all([
    closeOpenSessions(
      participants.map(({ shard, participant }) => ({
        key: keys.liveClassParticipant(liveClass.live_class_id, shard, participant.user_id),
        participant,
      })),
      endedAt,
      { live_class_id: liveClass.live_class_id, course_id: liveClass.course_id },
    ),
    endJitsiMeeting(liveClass.room_name),
  ]);
  return jitsiMeetingEnded;
}

/**
 * The sweeper's end of a live class Jitsi reported empty: the host's end without a host (no
 * `ended_by`), at `endedAt` (when the room emptied). Someone still in Jitsi's room keeps it live:
 * the answer is 'occupied'. Idempotent: a class already ended is left as it is.
 */
export async function endLiveClassBySystem(liveClassId: string, endedAt: string): Promise<'ended' | 'occupied' | 'already'> {
  const loaded = await loadClassWithParticipants(liveClassId);
  if (loaded.liveClass?.status !== 'live') return 'already';
  if (loaded.participants.some(({ participant }) => occupantsInRoom(participant.occupants).length > 0)) return 'occupied';
  const startedAt = loaded.liveClass.started_at;
  const at = startedAt && Date.parse(endedAt) < Date.parse(startedAt) ? startedAt : endedAt;
  const { liveClass, endedHere } = await markLiveClassEnded(loaded.liveClass, at, undefined);
  if (!endedHere || !liveClass.ended_at) return 'already';
  await closeAndEndMeeting(liveClass, loaded.participants, liveClass.ended_at);
  return 'ended';
}

async function managedLiveClass(caller: Caller, liveClassId: string): Promise<LiveClassRecord> {
  const liveClass = await loadLiveClass(liveClassId);
  if (!liveClass) throw notFound('Live class');
  if (!isHostRole(await roleIn(caller, liveClass.course_id))) throw managersOnly();
  return liveClass;
}

/**
 * Everyone who joined, with every session. The role is host for admins (recorded at join) and the
 * course's instructors; total_seconds counts a session still open up to now.
 */
export async function liveClassAttendance(caller: Caller, liveClassId: string, now = new Date()) {
  const liveClass = await managedLiveClass(caller, liveClassId);
  const [participants, course] = await Promise.all([loadAllParticipants(liveClassId), courseStore.load(liveClass.course_id)]);
  const instructors = course?.instructor_ids ?? new Set<string>();
  const endedAt = liveClass.status === 'ended' ? liveClass.ended_at : undefined;
  const items = [...byUser(participants.map(({ participant }) => participant))]
    .map(([userId, records]) => {
      const sessions = sessionViews(records, endedAt);
      return {
        user_id: userId,
        role: records.some((record) => record.host) || instructors.has(userId) ? ('host' as const) : ('participant' as const),
        sessions,
        total_seconds: totalSeconds(sessions, now.toISOString()),
      };
    })
    .sort((a, b) => (a.user_id < b.user_id ? -1 : a.user_id > b.user_id ? 1 : 0));
  return { items };
}
