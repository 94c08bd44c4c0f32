import { getConfig } from '../config';
import { callStore } from '../db/calls';
import { getItem, queryIndexPage } from '../db/items';
import type { Item } from '../db/client';
import { keys, participantShard } from '../db/keys';
import { parseLiveClass } from '../db/live-classes';
import { parseParticipant, type ParticipantRecord } from '../db/participants';
import { jitsiHttpApiFromConfig, type JitsiHttpApi } from '../jitsi/http-api';
import { nickFromOccupantJid } from '../jitsi/occupant';
import { logger } from '../observability/logger';
import { MetricName } from '../observability/metric-names';
import { countMetric } from '../observability/metrics';
import { getSecretsProvider } from '../secrets/provider';

// The real end: with JITSI_INTERNAL_URL set, an end also ends the Jitsi meeting and a removal
// kicks the removed user's occupants. Jitsi failing never fails the end in the store: it is
// logged and counted (JitsiEndMeetingFailed, JitsiKickFailed), and the metric is alarmed.

let api: { value: JitsiHttpApi | undefined } | undefined;

function jitsiApi(): JitsiHttpApi | undefined {
  api ??= { value: jitsiHttpApiFromConfig(getConfig(), getSecretsProvider()) };
  return api.value;
}

export function resetJitsiApiForTests(): void {
  api = undefined;
}

/** true: the meeting is over (or was not running); false: Jitsi failed; null: not configured. */
export async function endJitsiMeeting(room: string): Promise<boolean | null> {
  const client = jitsiApi();
  if (!client) return null;
  const result = await client.endMeeting(room);
  // 404: no such room, so nobody is left in it.
  if (result.ok || result.reason === 'not_found') return true;
  logger.warn('jitsi end-meeting failed', { room, reason: result.reason, status: result.status });
  countMetric(MetricName.JitsiEndMeetingFailed);
  return false;
}

/** Kicks each occupant (by the nick derived from its reported JID) that is still in the room. */
export async function kickOccupants(room: string, occupantJids: string[]): Promise<void> {
  const client = jitsiApi();
  if (!client || occupantJids.length === 0) return;
  await Promise.all(
    occupantJids.map(async (jid) => {
      const nick = nickFromOccupantJid(jid);
      if (!nick) return;
      const result = await client.kickParticipant(room, nick);
      if (result.ok || result.reason === 'not_found') return;
      logger.warn('jitsi kick failed', { room, reason: result.reason, status: result.status });
      countMetric(MetricName.JitsiKickFailed);
    }),
  );
}

/** The occupants Jitsi reported for this participant that have not left. */
export const occupantsInRoom = (participant: Pick<ParticipantRecord, 'occupants'> | undefined): string[] =>
  Object.entries(participant?.occupants ?? {})
    .filter(([, occupant]) => occupant.left_at === undefined)
    .map(([jid]) => jid);

/**
 * After a removal: kicks the user's occupants from the thread's active call. Never fails the
 * removal (it is already committed): a store or Jitsi failure is logged and counted.
 */
export async function kickFromCall(callId: string, userId: string): Promise<void> {
  if (!jitsiApi()) return;
  try {
    const { call, participant } = await callStore.loadWithParticipant(callId, userId);
    if (call?.status !== 'active') return;
    await kickOccupants(call.room, occupantsInRoom(participant));
  } catch (error) {
    logger.warn('jitsi kick skipped: the call could not be read', { call_id: callId, error });
    countMetric(MetricName.JitsiKickFailed);
  }
}

// Unenrolling is rare; a course's classes are read newest first, at most this many, to find the live ones.
const COURSE_CLASSES_PAGE = 100;
const COURSE_CLASSES_PAGES = 4;

/** After an unenrollment: kicks the student's occupants from the course's live classes. Never fails it. */
export async function kickFromCourse(courseId: string, userId: string): Promise<void> {
  if (!jitsiApi()) return;
  try {
    let startKey: Item | undefined;
    for (let page = 0; page < COURSE_CLASSES_PAGES; page += 1) {
      const { items, more } = await queryIndexPage({
        partition: keys.courseLiveClassesPartition(courseId),
        limit: COURSE_CLASSES_PAGE,
        newestFirst: true,
        startKey,
      });
      const live = items.map((item) => parseLiveClass(item)).filter((liveClass) => liveClass?.status === 'live');
      await Promise.all(
        live.map(async (liveClass) => {
          if (!liveClass) return;
          const key = keys.liveClassParticipant(liveClass.live_class_id, participantShard(userId), userId);
          const participant = parseParticipant(await getItem<Item>(key));
          await kickOccupants(liveClass.room_name, occupantsInRoom(participant));
        }),
      );
      const last = items.at(-1);
      if (!more || !last) return;
      startKey = { pk: last.pk, sk: last.sk, gsi1pk: last.gsi1pk, gsi1sk: last.gsi1sk };
    }
  } catch (error) {
    logger.warn('jitsi kick skipped: the live classes could not be read', { course_id: courseId, error });
    countMetric(MetricName.JitsiKickFailed);
  }
}
