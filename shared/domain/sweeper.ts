import { callStore } from '../db/calls';
import { dueEmptyLiveClasses, dueLiveClassJoins, liveClassPresence, unqueueLiveClass, unqueueLiveClassJoin } from '../db/live-class-sweep';
import { keys } from '../db/keys';
import { logger } from '../observability/logger';
import { endCallBySystem, sweepLimits } from './calls';
import { endJitsiMeeting } from './jitsi-end';
import { endLiveClassBySystem } from './live-classes';
import { closeWithEvent } from './room-engine';
import { isNeverConnected } from './presence-rules';
import { neverConnected, sweepDecision } from './sweep-rules';

// The sweeper's run over thread calls: only the calls whose deadline passed (gsi4, earliest first,
// at most `limit`), each with its never-connected joins closed, then ended through the engine's
// system end or given its next deadline. Two
// overlapping runs are harmless: the end is conditional on the call being active, the move on the
// deadline being the one read.

export interface SweepResult {
  due: number;
  room_empty: number;
  expired: number;
  rescheduled: number;
  never_connected: number;
}

export async function sweepCalls(options: { now?: Date; limit?: number } = {}): Promise<SweepResult> {
  const now = options.now ?? new Date();
  const limits = sweepLimits();
  let neverConnectedCount = 0;
  const due = await callStore.dueForSweep(now.toISOString(), options.limit ?? 50);
  const outcomes = await Promise.all(
    due.map(async ({ call, sweepKey }) => {
      let { participants } = await callStore.loadWithParticipants(call.call_id);
      // Joins Jitsi never saw close first (zero duration, through the engine's close with its
      // ParticipantLeft); the call's own deadline is then decided on what is left open.
      const unseen = neverConnected(participants, now.getTime(), limits);
      const closed = await Promise.all(
        unseen.map((participant) => {
          const joinedAt = participant.open_joined_at as string;
          const ids = { call_id: call.call_id, thread_id: call.thread_id };
          return closeWithEvent(
            keys.callParticipant(call.call_id, participant.user_id),
            participant.user_id,
            joinedAt,
            joinedAt,
            ids,
            'never_connected',
          );
        }),
      );
      neverConnectedCount += closed.filter(Boolean).length;
      if (unseen.length > 0) ({ participants } = await callStore.loadWithParticipants(call.call_id));
      const decision = sweepDecision(call.started_at, participants, now.getTime(), limits);
      if (decision.action === 'wait')
        return (await callStore.reschedule(call.call_id, sweepKey, decision.nextAt)) ? 'rescheduled' : 'skipped';
      const ended = await endCallBySystem(call.call_id, { reason: decision.reason }, decision.endedAt);
      // A concurrent run or a user ended it first: theirs is the end (and the end-meeting).
      if (!ended?.endedHere) return 'skipped';
      // Anyone Jitsi still holds (a client that never reported) is sent away; Jitsi failing never fails the end.
      await endJitsiMeeting(call.room);
      logger.info('call swept', { call_id: call.call_id, end_reason: decision.reason });
      return decision.reason;
    }),
  );
  const count = (outcome: string) => outcomes.filter((candidate) => candidate === outcome).length;
  return {
    due: due.length,
    room_empty: count('room_empty'),
    expired: count('expired'),
    rescheduled: count('rescheduled'),
    never_connected: neverConnectedCount,
  };
}

export interface LiveClassSweepResult {
  due: number;
  ended: number;
  occupied: number;
}

/**
 * Live classes Jitsi reported empty LIVE_CLASS_EMPTY_MINUTES ago (gsi4, at most `limit`): ended
 * at the moment the room emptied, unless someone is back in Jitsi's room (then off the queue until
 * the room empties again).
 */
export async function sweepLiveClasses(options: { now?: Date; limit?: number } = {}): Promise<LiveClassSweepResult> {
  const now = options.now ?? new Date();
  const due = await dueEmptyLiveClasses(now.toISOString(), options.limit ?? 50);
  const outcomes = await Promise.all(
    due.map(async ({ liveClass, emptySince, sweepKey }) => {
      const outcome = await endLiveClassBySystem(liveClass.live_class_id, emptySince);
      if (outcome === 'occupied') await unqueueLiveClass(liveClass.live_class_id, sweepKey);
      if (outcome === 'ended') logger.info('live class swept', { live_class_id: liveClass.live_class_id });
      return outcome;
    }),
  );
  return {
    due: due.length,
    ended: outcomes.filter((outcome) => outcome === 'ended').length,
    occupied: outcomes.filter((outcome) => outcome === 'occupied').length,
  };
}

export interface LiveClassJoinSweepResult {
  due: number;
  never_connected: number;
}

/**
 * Live-class API joins whose PRESENCE_CONFIRM_SECONDS passed (gsi4, per shard, at most `limit`
 * each): in a live class whose room Jitsi reports presence for, a join whose user Jitsi never
 * reported closes `never_connected` with zero duration, through the engine's close with its
 * ParticipantLeft (the same rule and close as for calls). Every checked join leaves the queue;
 * one not yet due for its own session (a rejoin) stays. Overlapping runs close a join once (the
 * close is conditional on the open session read).
 */
export async function sweepLiveClassJoins(options: { now?: Date; limit?: number } = {}): Promise<LiveClassJoinSweepResult> {
  const now = options.now ?? new Date();
  const { confirmSeconds } = sweepLimits();
  const due = await dueLiveClassJoins(now.toISOString(), options.limit ?? 50);
  const classes = new Map<string, ReturnType<typeof liveClassPresence>>();
  const classOf = (id: string) => {
    if (!classes.has(id)) classes.set(id, liveClassPresence(id));
    return classes.get(id)!;
  };
  const closed = await Promise.all(
    due.map(async ({ key, liveClassId, participant, sweepKey }) => {
      const open = participant.open_joined_at;
      if (open && now.getTime() < Date.parse(open) + confirmSeconds * 1000) return false;
      const room = await classOf(liveClassId);
      const unseen =
        room?.status === 'live' &&
        room.presenceReported &&
        !participant.open_from_presence &&
        isNeverConnected({ open_joined_at: open, occupants: participant.occupants ?? {} }, confirmSeconds, now.getTime());
      const ids = { live_class_id: liveClassId, course_id: room?.courseId ?? '' };
      const done = unseen ? await closeWithEvent(key, participant.user_id, open as string, open as string, ids, 'never_connected') : false;
      await unqueueLiveClassJoin(key, sweepKey);
      return done;
    }),
  );
  const count = closed.filter(Boolean).length;
  if (count > 0) logger.info('live-class joins never connected', { closed: count });
  return { due: due.length, never_connected: count };
}
