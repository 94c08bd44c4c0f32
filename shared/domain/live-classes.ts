import { QueryCommand, type TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { randomBytes } from 'node:crypto';
import { getConfig } from '../config';
import { AppError, notFound, validationError } from '../errors';
import type { Caller } from '../http/auth';
import { NO_FEATURES, type JitsiRole } from '../jitsi/token';
import { dynamo, fromAttributes, send, tableName, toAttributes, toValues, type Item } from '../db/client';
import { keys, LIVE_CLASS_SHARDS, participantShard, PARTICIPANT_PREFIX, type ItemKey } from '../db/keys';
import { COURSE_ID_MAX, COURSE_ID_PATTERN, LIVE_CLASS_ID_PATTERN } from '../schemas/live-classes';
import {
  courseRole,
  isHostRole,
  loadCourseAccess,
  loadCourseMember,
  managedCourse,
  managersOnly,
  outsiderError,
  type CourseRecord,
  type CourseRole,
} from './courses';
import { joinCredentials, mintTokenFor, tokenResponse } from './join-info';
import {
  closeAllOpenSessions,
  leaveOpenSession,
  openSessionWrite,
  secondsBetween,
  sessionDuration,
  sessionViews,
  type ParticipantRecord,
} from './sessions';
import { cancelledBy, getItem, getTwoItems, queryPartition, retryOnConflict, RETRY, transactWrite } from '../db/items';

// Layout and the capacity arithmetic behind it: docs/data-model-live-classes.md.

export type LiveClassStatus = 'scheduled' | 'live' | 'ended';

export interface LiveClassRecord {
  live_class_id: string;
  course_id: string;
  title: string;
  room_name: string;
  status: LiveClassStatus;
  scheduled_at?: string;
  started_at?: string;
  started_by?: string;
  ended_at?: string;
  ended_by?: string;
  created_by: string;
  created_at: string;
}

/** The per-shard copy of what a join needs; written in the same transactions as the class item. */
interface GateRecord {
  live_class_id: string;
  course_id: string;
  title: string;
  room_name: string;
  status: LiveClassStatus;
  started_at?: string;
  ended_at?: string;
}

interface LiveParticipantRecord extends ParticipantRecord {
  /** Set when the writer knew the caller was a host without a read (admin claim, or start). */
  host?: boolean;
}

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

const loadLiveClass = (liveClassId: string) => getItem<LiveClassRecord>(keys.liveClass(liveClassId));

async function loadShard(liveClassId: string, userId: string, shard: number) {
  const [gate, participant] = await getTwoItems<GateRecord, LiveParticipantRecord>(
    keys.liveClassGate(liveClassId, shard),
    keys.liveClassParticipant(liveClassId, shard, userId),
  );
  return { gate, participant };
}

const loadShardParticipants = (liveClassId: string, shard: number) =>
  queryPartition<LiveParticipantRecord>(keys.liveClassShardPartition(liveClassId, shard), PARTICIPANT_PREFIX);

const shards = () => Array.from({ length: LIVE_CLASS_SHARDS }, (_, shard) => shard);

/** Every shard in parallel: one round trip of wall-clock time (plus pages for very large classes). */
const loadAllParticipants = async (liveClassId: string) =>
  (await Promise.all(shards().map((shard) => loadShardParticipants(liveClassId, shard)))).map((participants, shard) => ({
    shard,
    participants,
  }));

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

const sortTimeOf = (liveClass: Pick<LiveClassRecord, 'scheduled_at' | 'created_at'>) => liveClass.scheduled_at ?? liveClass.created_at;

function gatePut(liveClass: LiveClassRecord, shard: number): TransactWriteItem {
  const gate: GateRecord = {
    live_class_id: liveClass.live_class_id,
    course_id: liveClass.course_id,
    title: liveClass.title,
    room_name: liveClass.room_name,
    status: liveClass.status,
  };
  return {
    Put: {
      TableName: tableName(),
      Item: toAttributes({ ...keys.liveClassGate(liveClass.live_class_id, shard), type: 'live-class-gate', shard, ...gate }),
      ConditionExpression: 'attribute_not_exists(pk)',
    },
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
    try {
      await transactWrite([
        {
          Put: {
            TableName: tableName(),
            Item: toAttributes({
              ...keys.liveClass(liveClassId),
              ...keys.courseLiveClassesIndex(courseId, sortTimeOf(liveClass), liveClassId),
              type: 'live-class',
              ...liveClass,
            }),
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        {
          Put: {
            TableName: tableName(),
            Item: toAttributes({
              ...keys.room(liveClass.room_name),
              type: 'room',
              room_name: liveClass.room_name,
              live_class_id: liveClassId,
              course_id: courseId,
            }),
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        ...shards().map((shard) => gatePut(liveClass, shard)),
      ]);
      return liveClassView(liveClass);
    } catch (error) {
      // An id or room name already taken: draw new ones. At 80 and 128 random bits, repeated
      // collisions mean contention, not bad luck, and end in 503.
      cancelledBy(error);
      return RETRY;
    }
  }, MAX_CREATE_ATTEMPTS);
}

interface ListCursor {
  s: string;
  c: string;
}

function decodeCursor(cursor: string): ListCursor {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Partial<ListCursor>;
    if (typeof parsed.s === 'string' && parsed.s.length <= 40 && typeof parsed.c === 'string' && LIVE_CLASS_ID_PATTERN.test(parsed.c)) {
      return { s: parsed.s, c: parsed.c };
    }
  } catch {
    // not base64url JSON: answered below
  }
  throw validationError('The cursor is not valid.', [{ field: 'query.cursor', problem: 'is not a cursor this API issued' }]);
}

const encodeCursor = (cursor: ListCursor) => Buffer.from(JSON.stringify(cursor)).toString('base64url');

/** A course's classes in schedule order (unscheduled ones by creation time), a page at a time. */
export async function listLiveClasses(caller: Caller, courseId: string, limit = 50, cursor?: string) {
  const { course, member } = await loadCourseAccess(courseId, caller.userId);
  if (!course) throw notFound('Course');
  if (!courseRole(caller, member)) throw outsiderError(caller);
  // The cursor names a class; the key is rebuilt here so a crafted cursor cannot reach another course.
  const after = cursor ? decodeCursor(cursor) : undefined;
  const page = await send(
    dynamo().send(
      new QueryCommand({
        TableName: tableName(),
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :course',
        ExpressionAttributeValues: toValues({ ':course': keys.courseLiveClassesPartition(courseId) }),
        Limit: limit,
        ...(after
          ? { ExclusiveStartKey: toAttributes({ ...keys.liveClass(after.c), ...keys.courseLiveClassesIndex(courseId, after.s, after.c) }) }
          : {}),
      }),
    ),
  );
  const classes = (page.Items ?? []).map((item) => fromAttributes<LiveClassRecord>(item));
  const last = classes.at(-1);
  return {
    items: classes.map(liveClassView),
    next_cursor: page.LastEvaluatedKey && last ? encodeCursor({ s: sortTimeOf(last), c: last.live_class_id }) : null,
  };
}

export async function getLiveClass(caller: Caller, liveClassId: string) {
  const liveClass = await loadLiveClass(liveClassId);
  if (!liveClass) throw notFound('Live class');
  if (!(await roleIn(caller, liveClass.course_id))) throw outsiderError(caller);
  return liveClassView(liveClass);
}

const participantExtra = (liveClass: Pick<GateRecord, 'live_class_id' | 'course_id'>, host: boolean): Item => ({
  type: 'live-class-participant',
  live_class_id: liveClass.live_class_id,
  course_id: liveClass.course_id,
  ...(host ? { host: true } : {}),
});

const memberCheck = (courseId: string, userId: string, condition: string): TransactWriteItem => ({
  ConditionCheck: {
    TableName: tableName(),
    Key: toAttributes(keys.courseMember(courseId, userId)),
    ConditionExpression: condition,
    ExpressionAttributeValues: toValues({ ':true': true }),
  },
});
const INSTRUCTOR = 'instructor = :true';
const MAY_JOIN = 'instructor = :true OR enrolled = :true';

const statusCheck = (key: ItemKey, status: LiveClassStatus): TransactWriteItem => ({
  ConditionCheck: {
    TableName: tableName(),
    Key: toAttributes(key),
    ConditionExpression: '#status = :status',
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: toValues({ ':status': status }),
  },
});

/**
 * Starts the class and records the host's join in two sequential round trips: (1) the class and
 * the caller's participant item; (2) one transaction that flips the class and every gate to live,
 * checks the caller's instructor assignment (admins come from the roles claim) and opens the
 * session. Starting a class that is already live joins it as host.
 */
export async function startLiveClass(caller: Caller, liveClassId: string) {
  const shard = participantShard(caller.userId);
  return retryOnConflict(async () => {
    const [liveClass, participantItem] = await getTwoItems<LiveClassRecord, LiveParticipantRecord>(
      keys.liveClass(liveClassId),
      keys.liveClassParticipant(liveClassId, shard, caller.userId),
    );
    if (!liveClass) throw notFound('Live class');
    if (liveClass.status === 'ended') {
      if (!isHostRole(await roleIn(caller, liveClass.course_id))) throw managersOnly();
      throw classEnded();
    }
    const now = new Date();
    const at = now.toISOString();
    const checks = caller.isAdmin ? [] : [memberCheck(liveClass.course_id, caller.userId, INSTRUCTOR)];
    const transition =
      liveClass.status === 'scheduled'
        ? statusTransition(liveClassId, 'scheduled', 'live', at, caller.userId)
        : [statusCheck(keys.liveClass(liveClassId), 'live')];
    try {
      await transactWrite([
        ...checks,
        ...transition,
        openSessionWrite(
          keys.liveClassParticipant(liveClassId, shard, caller.userId),
          caller.userId,
          participantItem as LiveParticipantRecord | undefined,
          at,
          participantExtra(liveClass, true),
        ),
      ]);
      return joinResponse(caller, liveClass, true, now.getTime());
    } catch (error) {
      if (checks.length && cancelledBy(error)[0]?.Code === 'ConditionalCheckFailed') throw managersOnly();
      // Someone else started or ended it, or the caller's session changed: read again.
      return RETRY;
    }
  });
}

/**
 * Joins a live class in two sequential round trips: (1) the caller's shard gate and participant
 * item (one partition, never the class item); (2) a transaction (gate still live, caller still an
 * instructor or enrolled, session opened) side by side with the read of the caller's course role,
 * which picks host or participant.
 */
export async function joinLiveClass(caller: Caller, liveClassId: string) {
  const shard = participantShard(caller.userId);
  return retryOnConflict(async () => {
    const { gate, participant } = await loadShard(liveClassId, caller.userId, shard);
    if (!gate) throw notFound('Live class');
    if (gate.status !== 'live') {
      // Not live: outsiders learn only that they are outsiders.
      if (!(await roleIn(caller, gate.course_id))) throw outsiderError(caller);
      throw notLive(gate.status);
    }
    const now = new Date();
    const checks = caller.isAdmin ? [] : [memberCheck(gate.course_id, caller.userId, MAY_JOIN)];
    const transaction = transactWrite([
      statusCheck(keys.liveClassGate(liveClassId, shard), 'live'),
      ...checks,
      openSessionWrite(
        keys.liveClassParticipant(liveClassId, shard, caller.userId),
        caller.userId,
        participant,
        now.toISOString(),
        participantExtra(gate, caller.isAdmin),
      ),
    ]);
    const [outcome, member] = await Promise.allSettled([
      transaction,
      caller.isAdmin ? Promise.resolve(undefined) : loadCourseMember(gate.course_id, caller.userId),
    ]);
    if (outcome.status === 'fulfilled') {
      if (member.status === 'rejected') throw member.reason;
      const role = courseRole(caller, member.value);
      if (!role) throw outsiderError(caller);
      return joinResponse(caller, gate, isHostRole(role), now.getTime());
    }
    const reasons = cancelledBy(outcome.reason);
    if (checks.length && reasons[1]?.Code === 'ConditionalCheckFailed') throw outsiderError(caller);
    // A class only moves forward: live when read, not live now means ended.
    if (reasons[0]?.Code === 'ConditionalCheckFailed') throw classEnded();
    // The participant item changed under us (another device joined or left) or a conflict: read again.
    return RETRY;
  });
}

/** A fresh Jitsi token under the join's rules; the role is re-read, so an unenrolled student gets 403. */
export async function refreshLiveClassToken(caller: Caller, liveClassId: string) {
  const gate = await getItem<GateRecord>(keys.liveClassGate(liveClassId, participantShard(caller.userId)));
  if (!gate) throw notFound('Live class');
  const role = await roleIn(caller, gate.course_id);
  if (!role) throw outsiderError(caller);
  if (gate.status !== 'live') throw notLive(gate.status);
  return tokenResponse(await mintTokenFor(caller, gate.room_name, liveClassJitsiRole(isHostRole(role))));
}

export async function leaveLiveClass(caller: Caller, liveClassId: string) {
  const shard = participantShard(caller.userId);
  const session = await leaveOpenSession({
    key: keys.liveClassParticipant(liveClassId, shard, caller.userId),
    load: async () => {
      const { gate, participant } = await loadShard(liveClassId, caller.userId, shard);
      if (!gate) throw notFound('Live class');
      return { participant, endedAt: gate.status === 'ended' ? gate.ended_at : undefined };
    },
    notInCall: () => new AppError('not_in_call', 'You are not in this live class.'),
  });
  return { live_class_id: liveClassId, user_id: caller.userId, ...sessionDuration(session) };
}

async function managedLiveClass(caller: Caller, liveClassId: string): Promise<LiveClassRecord> {
  const liveClass = await loadLiveClass(liveClassId);
  if (!liveClass) throw notFound('Live class');
  if (!isHostRole(await roleIn(caller, liveClass.course_id))) throw managersOnly();
  return liveClass;
}

/** True if this request ended the class; false if a concurrent end got there first. */
async function markEnded(liveClass: LiveClassRecord, endedBy: string, endedAt: string): Promise<boolean> {
  return retryOnConflict(async () => {
    try {
      await transactWrite(statusTransition(liveClass.live_class_id, 'live', 'ended', endedAt, endedBy));
      return true;
    } catch (error) {
      if (cancelledBy(error)[0]?.Code === 'ConditionalCheckFailed') return false;
      // A gate was busy with a join's transaction: try again.
      return RETRY;
    }
  });
}

/**
 * The class item and every shard's gate change status in one transaction, so a join (which reads
 * only its gate) never sees a status the class does not have. Conditional on the class's status.
 */
function statusTransition(liveClassId: string, from: LiveClassStatus, to: 'live' | 'ended', at: string, by: string): TransactWriteItem[] {
  const time = to === 'live' ? 'started' : 'ended';
  return [
    {
      Update: {
        TableName: tableName(),
        Key: toAttributes(keys.liveClass(liveClassId)),
        UpdateExpression: `SET #status = :to, ${time}_at = :at, ${time}_by = :by`,
        ConditionExpression: '#status = :from',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: toValues({ ':to': to, ':from': from, ':at': at, ':by': by }),
      },
    },
    ...shards().map((shard) => ({
      Update: {
        TableName: tableName(),
        Key: toAttributes(keys.liveClassGate(liveClassId, shard)),
        UpdateExpression: `SET #status = :to, ${time}_at = :at`,
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: toValues({ ':to': to, ':at': at }),
      },
    })),
  ];
}

/**
 * Ends the class for everyone and closes every open session at `ended_at`; repeating it is harmless
 * and finishes any close left undone. A class that never started cannot be ended (409).
 */
export async function endLiveClass(caller: Caller, liveClassId: string) {
  let liveClass = await managedLiveClass(caller, liveClassId);
  if (liveClass.status === 'scheduled') throw notStarted();
  if (liveClass.status === 'live') {
    const endedAt = new Date().toISOString();
    const ended = await markEnded(liveClass, caller.userId, endedAt);
    liveClass = ended
      ? { ...liveClass, status: 'ended', ended_at: endedAt, ended_by: caller.userId }
      : ((await loadLiveClass(liveClassId)) as LiveClassRecord);
  }
  const { started_at: startedAt, ended_at: endedAt } = liveClass;
  if (!startedAt || !endedAt) throw new Error('live class was not ended');
  // Shards close side by side, 10 writes in flight each: a 10,000-student class ends within the function timeout.
  await Promise.all(
    (await loadAllParticipants(liveClassId)).map(({ shard, participants }) =>
      closeAllOpenSessions(
        participants.map((participant) => ({ key: keys.liveClassParticipant(liveClassId, shard, participant.user_id), participant })),
        endedAt,
      ),
    ),
  );
  return { status: 'ended' as const, started_at: startedAt, ended_at: endedAt, duration_seconds: secondsBetween(startedAt, endedAt) };
}

const loadCourse = (courseId: string) => getItem<CourseRecord>(keys.course(courseId));

/**
 * Everyone who joined, with every session. The role is host for admins (recorded at join) and the
 * course's instructors; total_seconds counts a session still open up to now.
 */
export async function liveClassAttendance(caller: Caller, liveClassId: string, now = new Date()) {
  const liveClass = await managedLiveClass(caller, liveClassId);
  const [shardsWithParticipants, course] = await Promise.all([loadAllParticipants(liveClassId), loadCourse(liveClass.course_id)]);
  const instructors = course?.instructor_ids ?? new Set<string>();
  const endedAt = liveClass.status === 'ended' ? liveClass.ended_at : undefined;
  const items = shardsWithParticipants
    .flatMap(({ participants }) => participants)
    .map((participant) => {
      const sessions = sessionViews(participant, endedAt);
      const totalSeconds = sessions.reduce(
        (total, session) => total + (session.duration_seconds ?? secondsBetween(session.joined_at, now.toISOString())),
        0,
      );
      return {
        user_id: participant.user_id,
        role: participant.host || instructors.has(participant.user_id) ? ('host' as const) : ('participant' as const),
        sessions,
        total_seconds: totalSeconds,
      };
    })
    .sort((a, b) => a.user_id.localeCompare(b.user_id));
  return { items };
}
