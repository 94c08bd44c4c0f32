import { AppError, notFound } from '../errors';
import type { TransactWriteItem } from '@aws-sdk/client-dynamodb';
import type { Caller } from '../http/auth';
import { getItemsInOrder, retryOnConflict, RETRY } from '../db/items';
import type { ParticipantRecord } from '../db/participants';
import { callStore, type CallRecord } from '../db/calls';
import { invitationStore, type InvitationRecord, type InvitationState } from '../db/invitations';
import { keys, RING_SHARDS } from '../db/keys';
import { conditionFailedOn, transaction } from '../db/transaction';
import { eventPart, newEvent } from '../events/outbox';
import { MetricName } from '../observability/metric-names';
import { countMetric } from '../observability/metrics';
import type { EventType } from '../webhooks/envelope';
import { threadStore } from '../db/threads';
import { notAMember } from './threads';

// Ringing (../shared/API.md "Ringing"): an invitation per member the start rang. The stored state
// moves ringing → accepted (join, in the join's transaction), declined (decline), missed or
// cancelled (the ring job, or the end of the call), each change with its event in one transaction.
// What a reader sees never waits for the job: a ringing invitation past its timeout reads as
// missed, one whose call ended first as cancelled.

export const notRinging = () => new AppError('not_ringing', 'This invitation is no longer ringing.');

export interface InvitationView {
  user_id: string;
  state: InvitationState;
  updated_at: string;
}

type RingFields = Pick<InvitationRecord, 'state' | 'updated_at' | 'ring_expires_at'>;

/** The state a reader sees at `nowMs`: the stored one, or what the timeout or the end already decided. */
export function effectiveRing(invitation: RingFields, call: Pick<CallRecord, 'status' | 'ended_at'>, nowMs: number) {
  if (invitation.state !== 'ringing') return { state: invitation.state, updated_at: invitation.updated_at };
  const endedAt = call.status === 'ended' ? call.ended_at : undefined;
  if (endedAt && Date.parse(endedAt) < Date.parse(invitation.ring_expires_at)) return { state: 'cancelled' as const, updated_at: endedAt };
  if (nowMs >= Date.parse(invitation.ring_expires_at)) return { state: 'missed' as const, updated_at: invitation.ring_expires_at };
  return { state: 'ringing' as const, updated_at: invitation.updated_at };
}

/**
 * A member the start's list names whose invitation item was never written (the start died between
 * its writes, or a batch of its later invitations failed), as the start would have written it.
 */
export function unwrittenInvitation(call: CallRecord, userId: string): InvitationRecord {
  return {
    call_id: call.call_id,
    thread_id: call.thread_id,
    call_type: call.call_type,
    initiator_id: call.initiator_id,
    started_at: call.started_at,
    user_id: userId,
    state: 'ringing',
    updated_at: call.started_at,
    ring_expires_at: call.ring_expires_at ?? call.started_at,
  };
}

/**
 * Whether some of the call's invitations were written after the start's transaction (and so may
 * be missing). Those written in it are atomic with the list; calls that did not record the count
 * (started before it was kept) may be missing some.
 */
export const mayMissInvitations = (call: CallRecord) => (call.late_invitations ?? 1) > 0;

/** When a member's first session began, if they joined this call at all. */
function firstJoinedAt(records: ParticipantRecord[] | undefined): string | undefined {
  const times = (records ?? []).flatMap((record) => [
    ...(record.sessions ?? []).map((session) => session.joined_at),
    ...(record.open_joined_at ? [record.open_joined_at] : []),
  ]);
  return times.sort()[0];
}

/**
 * What an unwritten invitation is: accepted at their first join if the member joined before the
 * ring ran out (what a join in time writes), else what its time or the end decided.
 */
function unwrittenRing(call: CallRecord, userId: string, participant: ParticipantRecord[] | undefined, nowMs: number) {
  const invitation = unwrittenInvitation(call, userId);
  const joinedAt = firstJoinedAt(participant);
  if (joinedAt && Date.parse(joinedAt) < Date.parse(invitation.ring_expires_at)) {
    return { invitation, state: 'accepted' as const, updated_at: joinedAt };
  }
  return { invitation, ...effectiveRing(invitation, call, nowMs) };
}

const participantsByUser = (participants: ParticipantRecord[]) => {
  const byUser = new Map<string, ParticipantRecord[]>();
  for (const participant of participants) byUser.set(participant.user_id, [...(byUser.get(participant.user_id) ?? []), participant]);
  return byUser;
};

/**
 * The call log's `invitations`: everyone the start rang (`invited`, the call partition's INVITED
 * item), by user id; without that list, the invitations stored.
 */
export function invitationViews(
  call: CallRecord,
  invitations: InvitationRecord[],
  invited: string[] | undefined,
  nowMs: number,
  participants: ParticipantRecord[] = [],
): InvitationView[] {
  const stored = new Map(invitations.map((invitation) => [invitation.user_id, invitation]));
  const joined = participantsByUser(participants);
  return [...(invited ?? stored.keys())].sort().map((userId) => {
    const invitation = stored.get(userId);
    if (invitation) return { user_id: userId, ...effectiveRing(invitation, call, nowMs) };
    const { state, updated_at } = unwrittenRing(call, userId, joined.get(userId), nowMs);
    return { user_id: userId, state, updated_at };
  });
}

// Accepted has no event of its own: the member's ParticipantJoined says it.
const RING_EVENTS: Record<'declined' | 'missed' | 'cancelled', EventType> = {
  declined: 'CallInvitationDeclined',
  missed: 'CallInvitationMissed',
  cancelled: 'CallInvitationCancelled',
};
const RING_METRICS = { accepted: undefined, declined: MetricName.RingDeclined, missed: MetricName.RingMissed, cancelled: undefined } as const;

/** One invitation to move out of `ringing`, and when. */
export interface Settlement {
  invitation: InvitationRecord;
  to: 'accepted' | 'declined' | 'missed' | 'cancelled';
  at: string;
  /** Named in the call's list of members rung but never written: written settled, on condition it is still absent. */
  unwritten?: boolean;
}

/**
 * The write that moves one invitation out of `ringing`: the stored one on condition it still
 * rings, or one never written created settled on condition it is still absent. Every path (join,
 * decline, the ring job, the end) writes through here.
 */
export function settlePart({ invitation, to, at, unwritten }: Settlement): TransactWriteItem {
  return unwritten
    ? invitationStore.parts.create({ ...invitation, state: to, updated_at: at })
    : invitationStore.parts.settle(invitation.call_id, invitation.user_id, to, at);
}

/** Invitations per transaction: each with its event, 2 × 50 fills DynamoDB's 100 items. */
const SETTLE_BATCH = 50;

/**
 * ringing → `to`, each invitation with its event in the same transaction: transactions of 50
 * invitations and their 50 events, side by side (one round trip however many: an end of a
 * 1,000-member call writes 20 transactions, not 999). Each invitation is conditional on still
 * ringing; one settled elsewhere meanwhile (a decline, a join, another end, the ring job) fails
 * its batch's condition, and the batch runs again without it. Answers the settlements made here.
 */
export async function settleInvitations(settlements: Settlement[]): Promise<Settlement[]> {
  const batches = Array.from({ length: Math.ceil(settlements.length / SETTLE_BATCH) }, (_, index) =>
    settlements.slice(index * SETTLE_BATCH, index * SETTLE_BATCH + SETTLE_BATCH),
  );
  const settled = (await Promise.all(batches.map(settleBatch))).flat();
  for (const { to } of settled) {
    const metric = RING_METRICS[to];
    if (metric) countMetric(metric);
  }
  return settled;
}

function settleBatch(batch: Settlement[]): Promise<Settlement[]> {
  let pending = batch.map((settlement) => ({
    ...settlement,
    event:
      settlement.to === 'accepted'
        ? undefined
        : newEvent(
            RING_EVENTS[settlement.to],
            {
              call_id: settlement.invitation.call_id,
              thread_id: settlement.invitation.thread_id,
              user_id: settlement.invitation.user_id,
              state: settlement.to,
            },
            settlement.at,
          ),
  }));
  return retryOnConflict(async () => {
    // Each pass that fails a condition drops at least one invitation: at most one pass per invitation.
    for (;;) {
      if (pending.length === 0) return [];
      const outcome = await transaction(
        Object.fromEntries(
          pending.flatMap(({ event, ...settlement }, index) => [
            [`invitation${index}`, settlePart(settlement)],
            [`event${index}`, event ? eventPart(event) : undefined],
          ]),
        ),
      );
      if (outcome.ok) return pending.map(({ event: _, ...settlement }) => settlement);
      const { failed } = outcome;
      const stillRinging = pending.filter((_, index) => !conditionFailedOn(failed[`invitation${index}`]));
      // Only conflicts with other transactions: the same batch again, after a pause.
      if (stillRinging.length === pending.length) return RETRY;
      pending = stillRinging;
    }
  });
}

/** ringing → `to` with its event in one transaction; false when it was no longer ringing (someone else settled it). */
export async function settleInvitation(invitation: InvitationRecord, to: Settlement['to'], at: string): Promise<boolean> {
  return (await settleInvitations([{ invitation, to, at }])).length === 1;
}

/**
 * The ended call's invitations still ringing, stored as what readers already see (cancelled, or
 * missed if their time ran out first), each with its event; members the list names whose
 * invitation was never written are written as the log shows them: accepted if they joined in
 * time (no event: their ParticipantJoined said it), else cancelled or missed with its event.
 */
export function settleEndedCall(
  call: CallRecord,
  invitations: InvitationRecord[],
  invited: string[] | undefined,
  nowMs: number,
  participants: ParticipantRecord[] = [],
) {
  const stored = new Set(invitations.map((invitation) => invitation.user_id));
  const joined = participantsByUser(participants);
  const unwritten = (invited ?? [])
    .filter((userId) => !stored.has(userId))
    .flatMap((userId): Settlement[] => {
      const { invitation, state, updated_at } = unwrittenRing(call, userId, joined.get(userId), nowMs);
      return state === 'ringing' ? [] : [{ invitation, to: state, at: updated_at, unwritten: true }];
    });
  return settleInvitations([...invitations.flatMap((invitation) => settlementIfOver(invitation, call, nowMs) ?? []), ...unwritten]);
}

/** What a reader already sees for a ringing invitation whose time or call is over (missed or cancelled), to store. */
export function settlementIfOver(invitation: InvitationRecord, call: CallRecord, nowMs: number): Settlement | undefined {
  if (invitation.state !== 'ringing') return undefined;
  const seen = effectiveRing(invitation, call, nowMs);
  if (seen.state !== 'missed' && seen.state !== 'cancelled') return undefined;
  return { invitation, to: seen.state, at: seen.updated_at };
}

/**
 * Whether the start rang `userId` though their invitation item is absent: only calls that wrote
 * invitations after the start's transaction can miss one, and only then is the list read.
 */
export async function listedButUnwritten(call: CallRecord, userId: string): Promise<boolean> {
  if (userId === call.initiator_id || !mayMissInvitations(call)) return false;
  return (await callStore.loadInvited(call)).includes(userId);
}

/**
 * `POST /api/calls/{call_id}/decline`: two sequential round trips (the call and the invitation;
 * the transaction), one more to read the list when the invitation item is absent in a call that
 * may miss one.
 */
export function declineCall(caller: Caller, callId: string) {
  return retryOnConflict(async () => {
    const { call, invitation } = await callStore.loadWithParticipant(callId, caller.userId);
    if (!call) throw notFound('Call');
    const now = Date.now();
    const at = new Date(now).toISOString();
    const declined = { call_id: callId, user_id: caller.userId, state: 'declined' as const };
    if (invitation) {
      if (effectiveRing(invitation, call, now).state !== 'ringing') throw notRinging();
      if (!(await settleInvitation(invitation, 'declined', at))) throw notRinging();
      return declined;
    }
    if (!(await listedButUnwritten(call, caller.userId))) {
      // Members who were not rung (the initiator, someone added during the call) have nothing to decline.
      if (await threadStore.loadMember(call.thread_id, caller.userId)) throw notRinging();
      throw notAMember();
    }
    const unwritten = unwrittenInvitation(call, caller.userId);
    if (effectiveRing(unwritten, call, now).state !== 'ringing') throw notRinging();
    const settled = await settleInvitations([{ invitation: unwritten, to: 'declined', at, unwritten: true }]);
    // Written meanwhile (the start's later write, or a join): read it again and answer from it.
    return settled.length === 1 ? declined : RETRY;
  });
}

/** `GET /api/calls/incoming`: one Query of the caller's ringing invitations (gsi2); expired ones are left out. */
export async function incomingCalls(caller: Caller) {
  const now = Date.now();
  const ringing = await invitationStore.incoming(caller.userId);
  return {
    items: ringing
      .filter((invitation) => Date.parse(invitation.ring_expires_at) > now)
      .map(({ call_id, thread_id, call_type, initiator_id, started_at, ring_expires_at }) => ({
        call_id,
        thread_id,
        call_type,
        initiator_id,
        started_at,
        ring_expires_at,
      })),
  };
}

/**
 * The ring job: at most `perShard` expired invitations of each gsi3 shard per run, each settled
 * (missed, or cancelled when its call ended first) with its event, in batched transactions. Idempotent: every write is
 * conditional on `ringing`, so a run racing another (or a decline) changes nothing twice.
 */
export async function settleExpiredRings(options: { now?: Date; perShard?: number } = {}) {
  const now = options.now ?? new Date();
  const perShard = options.perShard ?? 100;
  const due = (
    await Promise.all(Array.from({ length: RING_SHARDS }, (_, shard) => invitationStore.ringingExpired(shard, now.toISOString(), perShard)))
  ).flat();
  const callIds = [...new Set(due.map((invitation) => invitation.call_id))];
  // BatchGetItem takes 100 keys: read the calls in slices, side by side.
  const slices = Array.from({ length: Math.ceil(callIds.length / 100) }, (_, index) => callIds.slice(index * 100, index * 100 + 100));
  const calls = new Map<string, CallRecord>();
  for (const items of await Promise.all(slices.map((slice) => getItemsInOrder(slice.map((id) => keys.call(id)))))) {
    for (const item of items) if (item) calls.set(item.call_id as string, callStore.parseCall(item));
  }
  const settlements = due.flatMap((invitation) => {
    const call = calls.get(invitation.call_id);
    // A call that no longer exists cannot ring: its invitation is missed.
    const settlement = call
      ? settlementIfOver(invitation, call, now.getTime())
      : { invitation, to: 'missed' as const, at: invitation.ring_expires_at };
    return settlement ? [settlement] : [];
  });
  const settled = (await settleInvitations(settlements)).length;
  return { due: due.length, settled };
}
