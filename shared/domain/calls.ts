import { GetItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { randomUUID } from 'node:crypto';
import { getConfig } from '../config';
import { AppError, notFound, validationError } from '../errors';
import type { Caller } from '../http/auth';
import { NO_FEATURES, type JitsiRole } from '../jitsi/token';
import { dynamo, fromAttributes, send, tableName, toAttributes, toValues } from '../db/client';
import { keys, PARTICIPANT_PREFIX } from '../db/keys';
import { publishCallEvent } from '../events/publisher';
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
import { cancelledBy, getItem, getTwoItems, queryPartition, retryOnConflict, RETRY, transactWrite, updateIf } from '../db/items';
import { loadThread, memberRole, type ThreadRecord } from './threads';

export type CallType = 'audio' | 'video';

export interface CallRecord {
  call_id: string;
  thread_id: string;
  call_type: CallType;
  status: 'active' | 'ended';
  initiator_id: string;
  room: string;
  started_at: string;
  ended_at?: string;
  ended_by?: string;
  consent_recorded?: boolean;
}

export const notAMember = () => new AppError('not_a_thread_member', 'You are not a member of this thread.');
export const callEnded = () => new AppError('call_ended', 'This call has ended.');
const callInProgress = (callId: string) =>
  new AppError('call_in_progress', 'A call is already active in this thread; join it instead.', { extra: { call_id: callId } });

// Hosts (initiator, thread owner or moderator) moderate the Jitsi room and may record.
function callRole(call: Pick<CallRecord, 'initiator_id'>, threadRole: string | undefined, userId: string): JitsiRole {
  const isHost = call.initiator_id === userId || threadRole === 'owner' || threadRole === 'moderator';
  return isHost ? { kind: 'host', features: { ...NO_FEATURES, recording: true } } : { kind: 'member', features: NO_FEATURES };
}

async function joinInfo(caller: Caller, call: CallRecord, role: JitsiRole, nowMs: number) {
  const config = getConfig();
  const { token, iceServers } = await joinCredentials(caller, call.room, role, nowMs);
  const isModerator = role.kind === 'host';
  return {
    call_id: call.call_id,
    room: call.room,
    jitsi: { domain: config.JITSI_DOMAIN, url: config.JITSI_PUBLIC_URL, ...tokenResponse(token) },
    ice_servers: iceServers,
    is_moderator: isModerator,
    feature_flags: { 'lobby-mode.enabled': false, 'prejoinpage.enabled': true, 'recording.enabled': isModerator },
  };
}

/** Jitsi room names are lowercase; a UUID without dashes is 122 random bits. */
const roomFor = (callId: string) => `call-${callId.replaceAll('-', '')}`;

/**
 * Starts a call: one read (membership, members to ring, fast 409), then one transaction that claims
 * the thread's single active-call slot, creates the call and opens the initiator's session.
 */
export async function startCall(caller: Caller, input: { thread_id: string; call_type: CallType }) {
  const thread = await loadThread(input.thread_id);
  if (!thread) throw notFound('Thread');
  if (!memberRole(thread, caller.userId)) throw notAMember();
  if (thread.active_call_id) throw callInProgress(thread.active_call_id);

  const now = new Date();
  const callId = randomUUID();
  const call: CallRecord = {
    call_id: callId,
    thread_id: input.thread_id,
    call_type: input.call_type,
    status: 'active',
    initiator_id: caller.userId,
    room: roomFor(callId),
    started_at: now.toISOString(),
    consent_recorded: false,
  };

  await retryOnConflict(async () => {
    try {
      await transactWrite([
        {
          Update: {
            TableName: tableName(),
            Key: toAttributes(keys.thread(input.thread_id)),
            UpdateExpression: 'SET active_call_id = :call',
            ConditionExpression: 'attribute_exists(pk) AND attribute_exists(members.#user) AND attribute_not_exists(active_call_id)',
            ExpressionAttributeNames: { '#user': caller.userId },
            ExpressionAttributeValues: toValues({ ':call': callId }),
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          },
        },
        {
          Put: {
            TableName: tableName(),
            Item: toAttributes({
              ...keys.call(callId),
              ...keys.threadCallsIndex(call.thread_id, call.started_at, callId),
              type: 'call',
              ...call,
            }),
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        openSessionWrite(keys.callParticipant(callId, caller.userId), caller.userId, undefined, call.started_at),
      ]);
      return undefined;
    } catch (error) {
      const threadReason = cancelledBy(error)[0];
      if (threadReason?.Code === 'ConditionalCheckFailed') {
        const current = threadReason.Item ? fromAttributes<ThreadRecord>(threadReason.Item) : await loadThread(input.thread_id);
        if (!current) throw notFound('Thread');
        if (!memberRole(current, caller.userId)) throw notAMember();
        if (current.active_call_id) throw callInProgress(current.active_call_id);
      }
      // Lost a conflict with a concurrent start: the next attempt sees the winner's call.
      return RETRY;
    }
  });

  // Ringing and minting the initiator's credentials do not depend on each other: side by side.
  const [, info] = await Promise.all([
    publishCallEvent({
      detailType: 'CallStarted',
      detail: {
        call_id: callId,
        thread_id: call.thread_id,
        call_type: call.call_type,
        initiator_id: caller.userId,
        started_at: call.started_at,
        ring_user_ids: Object.keys(thread.members)
          .filter((userId) => userId !== caller.userId)
          .sort(),
      },
    }),
    joinInfo(caller, call, callRole(call, 'owner', caller.userId), now.getTime()),
  ]);
  return {
    ...info,
    thread_id: call.thread_id,
    call_type: call.call_type,
    status: call.status,
    started_at: call.started_at,
    initiator_id: call.initiator_id,
  };
}

async function loadCallWithParticipant(callId: string, userId: string) {
  const [call, participant] = await getTwoItems<CallRecord, ParticipantRecord>(keys.call(callId), keys.callParticipant(callId, userId));
  return { call, participant };
}

export const loadCall = (callId: string) => getItem<CallRecord>(keys.call(callId));

export async function threadRoleOf(threadId: string, userId: string): Promise<string | undefined> {
  const result = await send(
    dynamo().send(
      new GetItemCommand({
        TableName: tableName(),
        Key: toAttributes(keys.thread(threadId)),
        ProjectionExpression: 'members.#user',
        ExpressionAttributeNames: { '#user': userId },
        ConsistentRead: true,
      }),
    ),
  );
  const item = result.Item ? fromAttributes<{ members?: Record<string, { role: string }> }>(result.Item) : undefined;
  return item?.members?.[userId]?.role;
}

/**
 * Joins an active call in two sequential round trips: (1) the call and the caller's participant
 * item; (2) a transaction (call still active, caller still a member, session opened) side by side
 * with the read of the caller's thread role.
 */
export async function joinCall(caller: Caller, callId: string) {
  return retryOnConflict(async () => {
    const { call, participant } = await loadCallWithParticipant(callId, caller.userId);
    if (!call) throw notFound('Call');
    // Outsiders learn only that they are outsiders, not whether the call still runs.
    if (call.status !== 'active') throw (await threadRoleOf(call.thread_id, caller.userId)) ? callEnded() : notAMember();
    const now = new Date();
    const transaction = transactWrite([
      {
        ConditionCheck: {
          TableName: tableName(),
          Key: toAttributes(keys.call(callId)),
          ConditionExpression: '#status = :active',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: toValues({ ':active': 'active' }),
        },
      },
      {
        ConditionCheck: {
          TableName: tableName(),
          Key: toAttributes(keys.thread(call.thread_id)),
          ConditionExpression: 'attribute_exists(members.#user)',
          ExpressionAttributeNames: { '#user': caller.userId },
        },
      },
      openSessionWrite(keys.callParticipant(callId, caller.userId), caller.userId, participant, now.toISOString()),
    ]);
    const [outcome, role] = await Promise.allSettled([transaction, threadRoleOf(call.thread_id, caller.userId)]);
    if (outcome.status === 'fulfilled') {
      if (role.status === 'rejected') throw role.reason;
      return joinInfo(caller, call, callRole(call, role.value, caller.userId), now.getTime());
    }
    const reasons = cancelledBy(outcome.reason);
    if (reasons[0]?.Code === 'ConditionalCheckFailed') throw callEnded();
    if (reasons[1]?.Code === 'ConditionalCheckFailed') throw notAMember();
    // The participant item changed under us (a join or leave from another device) or a conflict: read again.
    return RETRY;
  });
}

async function assertMember(call: CallRecord, caller: Caller): Promise<string> {
  const role = await threadRoleOf(call.thread_id, caller.userId);
  if (!role) throw notAMember();
  return role;
}

export async function refreshCallToken(caller: Caller, callId: string) {
  const call = await loadCall(callId);
  if (!call) throw notFound('Call');
  const role = await assertMember(call, caller);
  if (call.status !== 'active') throw callEnded();
  return tokenResponse(await mintTokenFor(caller, call.room, callRole(call, role, caller.userId)));
}

export async function leaveCall(caller: Caller, callId: string) {
  const session = await leaveOpenSession({
    key: keys.callParticipant(callId, caller.userId),
    load: async () => {
      const { call, participant } = await loadCallWithParticipant(callId, caller.userId);
      if (!call) throw notFound('Call');
      return { participant, endedAt: call.status === 'ended' ? call.ended_at : undefined };
    },
    notInCall: () => new AppError('not_in_call', 'You are not in this call.'),
  });
  return { call_id: callId, user_id: caller.userId, ...sessionDuration(session) };
}

async function loadCallPartition(callId: string): Promise<{ call?: CallRecord; participants: ParticipantRecord[] }> {
  const items = await queryPartition<{ sk: string }>(keys.callPartition(callId));
  const call = items.find((item) => item.sk === 'CALL') as CallRecord | undefined;
  const participants = items.filter((item) => item.sk.startsWith(PARTICIPANT_PREFIX)) as unknown as ParticipantRecord[];
  return { ...(call ? { call } : {}), participants };
}

export function callLogView(call: CallRecord, participants: ParticipantRecord[]) {
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
    consent_recorded: call.consent_recorded ?? false,
    participants: participants
      .flatMap((participant) => sessionViews(participant, endedAt).map((session) => ({ user_id: participant.user_id, ...session })))
      .sort((a, b) => a.joined_at.localeCompare(b.joined_at) || a.user_id.localeCompare(b.user_id)),
  };
}

export async function getCallLog(caller: Caller, callId: string) {
  const { call, participants } = await loadCallPartition(callId);
  if (!call) throw notFound('Call');
  if (!caller.isAdmin) await assertMember(call, caller);
  return callLogView(call, participants);
}

/** Ends the call for everyone; repeating it is harmless and finishes any session close left undone. */
export async function endCall(caller: Caller, callId: string) {
  const call = await loadCall(callId);
  if (!call) throw notFound('Call');
  // An initiator who has since left the thread is an outsider like any other.
  if (!caller.isAdmin) {
    const role = await assertMember(call, caller);
    if (call.initiator_id !== caller.userId && role !== 'owner' && role !== 'moderator') {
      throw new AppError('forbidden', 'Only the initiator, a thread owner or moderator, or an admin can end the call.');
    }
  }

  if (call.status === 'active') {
    const endedAt = new Date().toISOString();
    if (await markEnded(call, caller.userId, endedAt)) {
      await publishCallEvent({
        detailType: 'CallEnded',
        detail: {
          call_id: call.call_id,
          thread_id: call.thread_id,
          call_type: call.call_type,
          ended_by: caller.userId,
          started_at: call.started_at,
          ended_at: endedAt,
          duration_seconds: secondsBetween(call.started_at, endedAt),
        },
      });
    }
  }

  const { call: ended, participants } = await loadCallPartition(callId);
  if (!ended?.ended_at) throw new Error('call was not ended');
  await closeAllOpenSessions(
    participants.map((participant) => ({ key: keys.callParticipant(callId, participant.user_id), participant })),
    ended.ended_at,
  );
  return callLogView(ended, participants);
}

/** True if this request ended the call; false if a concurrent end got there first. */
async function markEnded(call: CallRecord, endedBy: string, endedAt: string): Promise<boolean> {
  const endCallUpdate = {
    TableName: tableName(),
    Key: toAttributes(keys.call(call.call_id)),
    UpdateExpression: 'SET #status = :ended, ended_at = :at, ended_by = :by',
    ConditionExpression: '#status = :active',
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: toValues({ ':ended': 'ended', ':active': 'active', ':at': endedAt, ':by': endedBy }),
  };
  return retryOnConflict(async () => {
    try {
      await transactWrite([
        { Update: endCallUpdate },
        {
          Update: {
            TableName: tableName(),
            Key: toAttributes(keys.thread(call.thread_id)),
            UpdateExpression: 'REMOVE active_call_id',
            ConditionExpression: 'active_call_id = :call',
            ExpressionAttributeValues: toValues({ ':call': call.call_id }),
          },
        },
      ]);
      return true;
    } catch (error) {
      const reasons = cancelledBy(error);
      if (reasons[0]?.Code === 'ConditionalCheckFailed') return false;
      // The thread no longer points at this call (it was deleted): end the call on its own.
      if (reasons[1]?.Code === 'ConditionalCheckFailed') return updateIf(endCallUpdate);
      return RETRY;
    }
  });
}

interface CallsCursor {
  s: string;
  c: string;
}

function decodeCursor(cursor: string): CallsCursor {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Partial<CallsCursor>;
    if (typeof parsed.s === 'string' && typeof parsed.c === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(parsed.c)) {
      return { s: parsed.s, c: parsed.c };
    }
  } catch {
    // fall through
  }
  throw validationError('The cursor is not valid.', [{ field: 'query.cursor', problem: 'is not a cursor this API issued' }]);
}

const encodeCursor = (cursor: CallsCursor) => Buffer.from(JSON.stringify(cursor)).toString('base64url');

export async function listThreadCalls(caller: Caller, threadId: string, limit = 20, cursor?: string) {
  const thread = await loadThread(threadId);
  if (!thread) throw notFound('Thread');
  if (!caller.isAdmin && !memberRole(thread, caller.userId)) throw notAMember();

  // The cursor names a call; the key is rebuilt here so a crafted cursor cannot reach another thread.
  const after = cursor ? decodeCursor(cursor) : undefined;
  const page = await send(
    dynamo().send(
      new QueryCommand({
        TableName: tableName(),
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :thread',
        ExpressionAttributeValues: toValues({ ':thread': keys.threadCallsPartition(threadId) }),
        ScanIndexForward: false,
        Limit: limit,
        ...(after
          ? { ExclusiveStartKey: toAttributes({ ...keys.call(after.c), ...keys.threadCallsIndex(threadId, after.s, after.c) }) }
          : {}),
      }),
    ),
  );
  const calls = (page.Items ?? []).map((item) => fromAttributes<CallRecord>(item));
  const logs = await Promise.all(calls.map(async (call) => callLogView(call, (await loadCallPartition(call.call_id)).participants)));
  const last = calls.at(-1);
  return {
    items: logs,
    next_cursor: page.LastEvaluatedKey && last ? encodeCursor({ s: last.started_at, c: last.call_id }) : null,
  };
}
