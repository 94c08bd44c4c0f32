import { randomUUID } from 'node:crypto';
import { getConfig } from '../config';
import { AppError, forbidden, notFound } from '../errors';
import type { Caller } from '../http/auth';
import { NO_FEATURES, type JitsiRole } from '../jitsi/token';
import { fromAttributes } from '../db/client';
import { callStore, type CallRecord, type CallType, type EndCause } from '../db/calls';
import { retryOnConflict, RETRY } from '../db/items';
import { keys } from '../db/keys';
import { RESOURCE_ID_PATTERN } from '../schemas/ids';
import { openSessionParts, type ParticipantRecord } from '../db/participants';
import { isCallHost, threadStore } from '../db/threads';
import { conditionFailedOn, transaction } from '../db/transaction';
import { invitationStore, type InvitationRecord } from '../db/invitations';
import { eventPart, newEvent } from '../events/outbox';
import { MetricName } from '../observability/metric-names';
import { countMetric } from '../observability/metrics';
import { logger } from '../observability/logger';
import { joinCredentials, tokenResponse } from './join-info';
import { endJitsiMeeting } from './jitsi-end';
import { closeOpenSessions, roomOperations, type RoomKind } from './room-engine';
import { invitationViews, listedButUnwritten, settleEndedCall, settlePart, unwrittenInvitation, type Settlement } from './ringing';
import { firstSweepAt, type SweepLimits } from './sweep-rules';
import { byUser, decodeCursor, encodeCursor, secondsBetween, sessionViews } from './room-rules';
import { notAMember } from './threads';

export type { CallRecord, CallType } from '../db/calls';
export { notAMember } from './threads';

export const callEnded = () => new AppError('call_ended', 'This call has ended.');
const callInProgress = (callId: string) =>
  new AppError('call_in_progress', 'A call is already active in this thread; join it instead.', { extra: { call_id: callId } });
const mayNotEnd = () => forbidden('Only the initiator, a thread owner or moderator, or an admin can end the call.');

// Hosts (initiator, thread owner or moderator) moderate the Jitsi room and may record.
const callJitsiRole = (host: boolean): JitsiRole =>
  host ? { kind: 'host', features: { ...NO_FEATURES, recording: true } } : { kind: 'member', features: NO_FEATURES };

async function joinInfo(caller: Caller, call: CallRecord, host: boolean, nowMs: number) {
  const config = getConfig();
  const { token, iceServers } = await joinCredentials(caller, call.room, callJitsiRole(host), nowMs);
  return {
    call_id: call.call_id,
    room: call.room,
    jitsi: { domain: config.JITSI_DOMAIN, url: config.JITSI_PUBLIC_URL, ...tokenResponse(token) },
    ice_servers: iceServers,
    is_moderator: host,
    feature_flags: { 'lobby-mode.enabled': false, 'prejoinpage.enabled': true, 'recording.enabled': host },
  };
}

/** The sweeper's limits, from the configuration. */
export const sweepLimits = (): SweepLimits => ({
  graceSeconds: getConfig().CALL_EMPTY_GRACE_SECONDS,
  maxHours: getConfig().CALL_MAX_HOURS,
  confirmSeconds: getConfig().PRESENCE_CONFIRM_SECONDS,
});

/** The caller's thread role, if still a member (one GetItem of their member item). */
export const threadRoleOf = async (threadId: string, userId: string) => (await threadStore.loadMember(threadId, userId))?.role;

/** Thread calls as a room kind: members enter, hosts are the initiator and the thread's owners and moderators. */
const callRoom: RoomKind<CallRecord> = {
  noun: 'Call',
  async load(callId, userId) {
    const { call, participant, invitation } = await callStore.loadWithParticipant(callId, userId);
    const nowMs = Date.now();
    // Joining while rung answers the ring, in the join's own transaction (the caller's own invitation item).
    if (call?.status !== 'active' || nowMs >= Date.parse(call.ring_expires_at ?? call.started_at)) return { room: call, participant };
    const at = new Date(nowMs).toISOString();
    let answer: Settlement | undefined;
    if (invitation) {
      if (invitation.state === 'ringing' && nowMs < Date.parse(invitation.ring_expires_at)) answer = { invitation, to: 'accepted', at };
    } else if (await listedButUnwritten(call, userId)) {
      // Rung but never written: written accepted, on condition it is still absent (a late write makes the join read again).
      answer = { invitation: unwrittenInvitation(call, userId), to: 'accepted', at, unwritten: true };
    }
    if (!answer) return { room: call, participant };
    return { room: call, participant, joinParts: { invitation: settlePart(answer) }, onJoined: () => countMetric(MetricName.RingAnswered) };
  },
  eventIds: (call) => ({ call_id: call.call_id, thread_id: call.thread_id }),
  isOpen: (call) => call.status === 'active',
  endedAt: (call) => (call.status === 'ended' ? call.ended_at : undefined),
  notOpen: async (call, caller) => ((await threadRoleOf(call.thread_id, caller.userId)) ? callEnded() : notAMember()),
  entry: (call, caller) => ({
    check: threadStore.parts.isMember(call.thread_id, caller.userId),
    host: async () => {
      const member = await threadStore.loadMember(call.thread_id, caller.userId);
      return member ? isCallHost(member, call.initiator_id) : undefined;
    },
  }),
  outsider: () => notAMember(),
  notInRoom: () => new AppError('not_in_call', 'You are not in this call.'),
  participantKey: (call, userId) => keys.callParticipant(call.call_id, userId),
  participantExtra: () => ({}),
  jitsiRoom: (call) => call.room,
  jitsiRole: callJitsiRole,
  joinResponse: (caller, call, host, nowMs) => joinInfo(caller, call, host, nowMs),
};

/** Jitsi room names are lowercase; a UUID without dashes is 122 random bits. */
const roomFor = (callId: string) => `call-${callId.replaceAll('-', '')}`;

/** The start's own parts (slot, member, call, members rung, room claim, session, CallStarted); invitations fill the rest of DynamoDB's 100. */
const START_PARTS = 7;
const INLINE_INVITATIONS = 100 - START_PARTS;

/**
 * Starts a call in two sequential round trips: (1) the thread with its members (membership,
 * members to ring, fast 409); (2) one transaction that claims the thread's single active-call
 * slot, checks the caller is still a member, creates the call and beside it the list of members
 * it rings (an item of its own: every join reads the call item, which must not grow with the
 * thread), opens the initiator's session, writes one invitation per member rung and the
 * CallStarted event. A thread too large for one transaction (over 93 members to ring) gets the
 * other invitations right after the commit; until they land (or if the process dies first) the
 * list answers for them: the log shows them ringing, then missed, and CallStarted (committed
 * with the call) names every member rung.
 */
export async function startCall(caller: Caller, input: { thread_id: string; call_type: CallType }) {
  const { thread, members } = await threadStore.loadWithMembers(input.thread_id);
  if (!thread) throw notFound('Thread');
  if (!members.some((member) => member.user_id === caller.userId)) throw notAMember();
  if (thread.active_call_id) throw callInProgress(thread.active_call_id);

  const now = new Date();
  const callId = randomUUID();
  const invited = members
    .map((member) => member.user_id)
    .filter((userId) => userId !== caller.userId)
    .sort();
  const ringExpiresAt = new Date(now.getTime() + getConfig().RING_TIMEOUT_SECONDS * 1000).toISOString();
  const call: CallRecord = {
    call_id: callId,
    thread_id: input.thread_id,
    call_type: input.call_type,
    status: 'active',
    initiator_id: caller.userId,
    room: roomFor(callId),
    started_at: now.toISOString(),
    consent_recorded: false,
    ring_expires_at: ringExpiresAt,
    late_invitations: Math.max(0, invited.length - INLINE_INVITATIONS),
  };
  const invitations: InvitationRecord[] = invited.map((userId) => ({
    call_id: callId,
    thread_id: call.thread_id,
    call_type: call.call_type,
    initiator_id: caller.userId,
    started_at: call.started_at,
    user_id: userId,
    state: 'ringing',
    updated_at: call.started_at,
    ring_expires_at: ringExpiresAt,
  }));
  const inline = invitations.slice(0, INLINE_INVITATIONS);
  const later = invitations.slice(INLINE_INVITATIONS);

  await retryOnConflict(async () => {
    const outcome = await transaction({
      slot: threadStore.parts.claimActiveCall(input.thread_id, callId),
      member: threadStore.parts.isMember(input.thread_id, caller.userId),
      call: callStore.parts.create(call, firstSweepAt(call.started_at, sweepLimits())),
      invited: invited.length > 0 ? callStore.parts.invited(callId, invited) : undefined,
      room: callStore.parts.claimRoom(call),
      session: openSessionParts(keys.callParticipant(callId, caller.userId), caller.userId, undefined, call.started_at).session,
      started: eventPart(
        newEvent(
          'CallStarted',
          {
            call_id: callId,
            thread_id: call.thread_id,
            call_type: call.call_type,
            initiator_id: caller.userId,
            started_at: call.started_at,
            ring_expires_at: ringExpiresAt,
            invited_user_ids: invited,
          },
          call.started_at,
        ),
      ),
      ...Object.fromEntries(inline.map((invitation, index) => [`invite${index}`, invitationStore.parts.create(invitation)])),
    });
    if (outcome.ok) return undefined;
    const { failed } = outcome;
    if (conditionFailedOn(failed.member)) throw notAMember();
    if (conditionFailedOn(failed.slot)) {
      const current = failed.slot?.item ? threadStore.parseThread(fromAttributes(failed.slot.item)) : undefined;
      if (!current) throw notFound('Thread');
      if (current.active_call_id) throw callInProgress(current.active_call_id);
    }
    // Lost a conflict with a concurrent start: the next attempt sees the winner's call.
    return RETRY;
  });

  logger.info('call started', { call_id: callId, thread_id: call.thread_id, invited: invited.length });
  // Only large threads have invitations left over; they and the initiator's credentials go side by side.
  const [, info] = await Promise.all([writeInvitations(later), joinInfo(caller, call, true, now.getTime())]);
  return {
    ...info,
    thread_id: call.thread_id,
    call_type: call.call_type,
    status: call.status,
    started_at: call.started_at,
    initiator_id: call.initiator_id,
  };
}

/** Attempts per batch of later invitations; one still failing is left for the list (and the end) to answer for. */
const INVITATION_WRITE_ATTEMPTS = 3;

/**
 * Invitations the start's transaction had no room for: transactions of 100 puts, side by side.
 * A failed batch is tried again (bounded) without the invitations already there (a decline or a
 * join wrote them answered): every put is conditional on absence, and no event rides here, so a
 * retry never writes anything twice. What still fails is logged; the log, the join, the decline
 * and the end answer for it from the list.
 */
async function writeInvitations(invitations: InvitationRecord[]): Promise<void> {
  const chunks = Array.from({ length: Math.ceil(invitations.length / 100) }, (_, index) =>
    invitations.slice(index * 100, index * 100 + 100),
  );
  await Promise.all(chunks.map(writeInvitationBatch));
}

async function writeInvitationBatch(batch: InvitationRecord[]): Promise<void> {
  let pending = batch;
  try {
    await retryOnConflict(async () => {
      const outcome = await transaction(
        Object.fromEntries(pending.map((invitation, index) => [`invite${index}`, invitationStore.parts.create(invitation)])),
      ).catch(() => undefined);
      if (outcome?.ok) return undefined;
      if (outcome) pending = pending.filter((_, index) => !conditionFailedOn(outcome.failed[`invite${index}`]));
      return pending.length === 0 ? undefined : RETRY;
    }, INVITATION_WRITE_ATTEMPTS);
  } catch {
    logger.error('invitations not written', { call_id: batch[0]?.call_id, unwritten: pending.length });
  }
}

export const loadCall = (callId: string) => callStore.load(callId);

const callOperations = roomOperations<CallRecord, Awaited<ReturnType<typeof joinInfo>>>(callRoom, 'call_id');
/** Joins an active call in two sequential round trips (the room engine's join). */
export const joinCall = callOperations.join;
export const refreshCallToken = callOperations.refreshToken;
export const leaveCall = callOperations.leave;

export function callLogView(
  call: CallRecord,
  participants: ParticipantRecord[],
  invitations: InvitationRecord[],
  invited: string[] | undefined,
  nowMs = Date.now(),
) {
  const endedAt = call.status === 'ended' ? call.ended_at : undefined;
  return {
    call_id: call.call_id,
    thread_id: call.thread_id,
    call_type: call.call_type,
    status: call.status,
    initiator_id: call.initiator_id,
    started_at: call.started_at,
    ended_at: endedAt ?? null,
    duration_seconds: endedAt ? secondsBetween(call.started_at, endedAt) : null,
    end_reason: endedAt ? (call.end_reason ?? 'ended') : null,
    ended_by: endedAt ? (call.ended_by ?? null) : null,
    consent_recorded: call.consent_recorded ?? false,
    participants: [...byUser(participants)]
      .flatMap(([userId, items]) => sessionViews(items, endedAt).map((session) => ({ user_id: userId, ...session })))
      .sort((a, b) => a.joined_at.localeCompare(b.joined_at) || (a.user_id < b.user_id ? -1 : a.user_id > b.user_id ? 1 : 0)),
    invitations: invitationViews(call, invitations, invited, nowMs, participants),
  };
}

export async function getCallLog(caller: Caller, callId: string) {
  const { call, participants, invitations, invited } = await callStore.loadWithParticipants(callId);
  if (!call) throw notFound('Call');
  if (!caller.isAdmin && !(await threadRoleOf(call.thread_id, caller.userId))) throw notAMember();
  return callLogView(call, participants, invitations, invited);
}

/** Why the caller may not end the call, from their member item (only read on the refusal path). */
async function endRefusal(call: CallRecord, caller: Caller): Promise<AppError | undefined> {
  if (caller.isAdmin) return undefined;
  const member = await threadStore.loadMember(call.thread_id, caller.userId);
  // An initiator who has since left the thread is an outsider like any other.
  if (!member) return notAMember();
  return isCallHost(member, call.initiator_id) ? undefined : mayNotEnd();
}

/**
 * Ends the call for everyone in at most three sequential round trips however many sessions are
 * open: (1) the call's partition (the call and every participant); (2) the transaction that marks
 * it ended, releases the thread's slot and re-checks that the caller is a host; (3) every open
 * session closed at `ended_at`, side by side, beside Jitsi's end-meeting. Repeating it is harmless
 * and finishes any close left undone.
 */
export async function endCall(caller: Caller, callId: string) {
  const loaded = await callStore.loadWithParticipants(callId);
  let call = loaded.call;
  if (!call) throw notFound('Call');
  if (call.status === 'active') {
    const endedAt = new Date().toISOString();
    const cause: EndCause = { reason: 'ended', by: caller.userId };
    const ended = await markEnded(call, cause, endedAt, caller);
    call = ended === 'ended' ? endedCall(call, cause, endedAt) : ended;
  } else {
    const refusal = await endRefusal(call, caller);
    if (refusal) throw refusal;
  }
  const endedAt = call.ended_at;
  if (!endedAt) throw new Error('call was not ended');
  const [, jitsiMeetingEnded] = await Promise.all([
    Promise.all([
      closeOpenSessions(
        loaded.participants.map((participant) => ({ key: keys.callParticipant(callId, participant.user_id), participant })),
        endedAt,
        { call_id: callId, thread_id: call.thread_id },
      ),
      settleEndedCall(call, loaded.invitations, loaded.invited, Date.now(), loaded.participants),
    ]),
    endJitsiMeeting(call.room),
  ]);
  return { ...callLogView(call, loaded.participants, loaded.invitations, loaded.invited), jitsi_meeting_ended: jitsiMeetingEnded };
}

const endedCall = (call: CallRecord, cause: EndCause, endedAt: string): CallRecord => ({
  ...call,
  status: 'ended',
  ended_at: endedAt,
  end_reason: cause.reason,
  ...(cause.by ? { ended_by: cause.by } : {}),
});

/**
 * Ends an active call without a user (Jitsi reported the room gone, or the sweeper's clock): the
 * same transaction as a user's end without the host check (CallEnded included), then every open
 * session closed at `endedAt` (`call_ended`) and every ringing invitation settled. Idempotent: a
 * call already ended is left as it is (`endedHere` false).
 */
export async function endCallBySystem(callId: string, cause: Extract<EndCause, { reason: 'room_empty' | 'expired' }>, endedAt: string) {
  const loaded = await callStore.loadWithParticipants(callId);
  let call = loaded.call;
  if (!call) return undefined;
  // Whether this request ended it (of two overlapping ends, exactly one): the sweeper counts by it.
  let endedHere = false;
  if (call.status === 'active') {
    const at = Date.parse(endedAt) < Date.parse(call.started_at) ? call.started_at : endedAt;
    const ended = await markEnded(call, cause, at, undefined);
    endedHere = ended === 'ended';
    call = ended === 'ended' ? endedCall(call, cause, at) : ended;
  }
  const ended = call;
  if (!ended.ended_at) throw new Error('call was not ended');
  await Promise.all([
    closeOpenSessions(
      loaded.participants.map((participant) => ({ key: keys.callParticipant(callId, participant.user_id), participant })),
      ended.ended_at,
      { call_id: callId, thread_id: ended.thread_id },
    ),
    settleEndedCall(ended, loaded.invitations, loaded.invited, Date.now(), loaded.participants),
  ]);
  return { call: ended, endedHere };
}

/** CallEnded, written in the transaction that ends the call. */
export function callEndedEvent(call: CallRecord, cause: EndCause, endedAt: string) {
  return newEvent(
    'CallEnded',
    {
      call_id: call.call_id,
      thread_id: call.thread_id,
      call_type: call.call_type,
      initiator_id: call.initiator_id,
      started_at: call.started_at,
      ended_at: endedAt,
      duration_seconds: secondsBetween(call.started_at, endedAt),
      end_reason: cause.reason,
      ended_by: cause.by ?? null,
    },
    endedAt,
  );
}

/** 'ended' if this request ended the call; the ended call if a concurrent end got there first. */
function markEnded(call: CallRecord, cause: EndCause, endedAt: string, caller: Caller | undefined): Promise<'ended' | CallRecord> {
  const refuse = async (current: CallRecord) => (caller ? endRefusal(current, caller) : undefined);
  return retryOnConflict(async () => {
    const outcome = await transaction({
      call: callStore.parts.end(call.call_id, cause, endedAt),
      slot: threadStore.parts.releaseActiveCall(call.thread_id, call.call_id),
      host: !caller || caller.isAdmin ? undefined : threadStore.parts.isCallHost(call.thread_id, caller.userId, call.initiator_id),
      ended: eventPart(callEndedEvent(call, cause, endedAt)),
    });
    if (outcome.ok) return 'ended' as const;
    const { failed } = outcome;
    if (conditionFailedOn(failed.host)) throw (await refuse(call)) ?? mayNotEnd();
    if (conditionFailedOn(failed.call) && failed.call?.item) {
      const current = callStore.parseCall(fromAttributes(failed.call.item));
      if (current.status === 'ended') {
        const refusal = await refuse(current);
        if (refusal) throw refusal;
        return current;
      }
    }
    // The thread no longer points at this call (it was deleted): end the call on its own.
    if (conditionFailedOn(failed.slot) && !failed.call) {
      const refusal = await refuse(call);
      if (refusal) throw refusal;
      const alone = await transaction({
        call: callStore.parts.end(call.call_id, cause, endedAt),
        ended: eventPart(callEndedEvent(call, cause, endedAt)),
      });
      return alone.ok ? ('ended' as const) : RETRY;
    }
    return RETRY;
  });
}

export async function listThreadCalls(caller: Caller, threadId: string, limit = 20, cursor?: string) {
  const { thread, member } = await threadStore.loadWithMember(threadId, caller.userId);
  if (!thread) throw notFound('Thread');
  if (!caller.isAdmin && !member) throw notAMember();
  const after = cursor ? decodeCursor(cursor, RESOURCE_ID_PATTERN) : undefined;
  // The cursor names a call; the key is rebuilt from the path's thread so a crafted cursor cannot reach another thread.
  const { calls, more } = await callStore.listByThread(threadId, limit, after);
  const logs = await Promise.all(
    calls.map(async (call) => {
      const { participants, invitations, invited } = await callStore.loadWithParticipants(call.call_id);
      return callLogView(call, participants, invitations, invited);
    }),
  );
  const last = calls.at(-1);
  return { items: logs, next_cursor: more && last ? encodeCursor({ s: last.started_at, c: last.call_id }) : null };
}
