import { AppError } from '../errors';
import type { Caller } from '../http/auth';
import { getItemsInOrder, retryOnConflict, RETRY } from '../db/items';
import { callStore, type CallRecord } from '../db/calls';
import { invitationStore, type InvitationRecord, type InvitationState } from '../db/invitations';
import { keys, RING_SHARDS } from '../db/keys';
import { conditionFailedOn, transaction } from '../db/transaction';
import { eventPart, newEvent } from '../events/outbox';
import { MetricName } from '../observability/metric-names';
import { countMetric } from '../observability/metrics';
import type { EventType } from '../webhooks/envelope';
import { notFound } from '../errors';
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
 * The call log's `invitations`: everyone the start rang (`invited`, the call partition's INVITED
 * item), by user id; without that list, the invitations stored.
 */
export function invitationViews(
  call: CallRecord,
  invitations: InvitationRecord[],
  invited: string[] | undefined,
  nowMs: number,
): InvitationView[] {
  const stored = new Map(invitations.map((invitation) => [invitation.user_id, invitation]));
  return [...(invited ?? stored.keys())].sort().map((userId) => {
    // Not yet written (a thread too large for the start's transaction, between its two writes): still ringing by the list.
    const invitation = stored.get(userId) ?? {
      state: 'ringing' as const,
      updated_at: call.started_at,
      ring_expires_at: call.ring_expires_at ?? call.started_at,
    };
    return { user_id: userId, ...effectiveRing(invitation, call, nowMs) };
  });
}

const RING_EVENTS: Record<'declined' | 'missed' | 'cancelled', EventType> = {
  declined: 'CallInvitationDeclined',
  missed: 'CallInvitationMissed',
  cancelled: 'CallInvitationCancelled',
};
const RING_METRICS = { declined: MetricName.RingDeclined, missed: MetricName.RingMissed, cancelled: undefined } as const;

/** One invitation to move out of `ringing`, and when. */
export interface Settlement {
  invitation: InvitationRecord;
  to: 'declined' | 'missed' | 'cancelled';
  at: string;
  /** Named in the call's list of members rung but never written (the start died before its last invitations): written settled. */
  unwritten?: boolean;
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
    event: newEvent(
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
          pending.flatMap(({ invitation, to, at, unwritten, event }, index) => [
            [
              `invitation${index}`,
              unwritten
                ? invitationStore.parts.create({ ...invitation, state: to, updated_at: at })
                : invitationStore.parts.settle(invitation.call_id, invitation.user_id, to, at),
            ],
            [`event${index}`, eventPart(event)],
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
 * invitation was never written are written so, and get their event too.
 */
export function settleEndedCall(call: CallRecord, invitations: InvitationRecord[], invited: string[] | undefined, nowMs: number) {
  const stored = new Set(invitations.map((invitation) => invitation.user_id));
  const unwritten = (invited ?? [])
    .filter((userId) => !stored.has(userId))
    .map(
      (userId): InvitationRecord => ({
        call_id: call.call_id,
        thread_id: call.thread_id,
        call_type: call.call_type,
        initiator_id: call.initiator_id,
        started_at: call.started_at,
        user_id: userId,
        state: 'ringing',
        updated_at: call.started_at,
        ring_expires_at: call.ring_expires_at ?? call.started_at,
      }),
    );
  return settleInvitations([
    ...invitations.flatMap((invitation) => settlementIfOver(invitation, call, nowMs) ?? []),
    ...unwritten.flatMap((invitation) => {
      const settlement = settlementIfOver(invitation, call, nowMs);
      return settlement ? [{ ...settlement, unwritten: true }] : [];
    }),
  ]);
}

/** What a reader already sees for a ringing invitation whose time or call is over (missed or cancelled), to store. */
export function settlementIfOver(invitation: InvitationRecord, call: CallRecord, nowMs: number): Settlement | undefined {
  if (invitation.state !== 'ringing') return undefined;
  const seen = effectiveRing(invitation, call, nowMs);
  if (seen.state !== 'missed' && seen.state !== 'cancelled') return undefined;
  return { invitation, to: seen.state, at: seen.updated_at };
}

/** `POST /api/calls/{call_id}/decline`: two sequential round trips (the call and the invitation; the transaction). */
export async function declineCall(caller: Caller, callId: string) {
  const { call, invitation } = await callStore.loadWithParticipant(callId, caller.userId);
  if (!call) throw notFound('Call');
  if (!invitation) {
    // Members who were not rung (the initiator, someone added during the call) have nothing to decline.
    if (await threadStore.loadMember(call.thread_id, caller.userId)) throw notRinging();
    throw notAMember();
  }
  const now = Date.now();
  if (effectiveRing(invitation, call, now).state !== 'ringing') throw notRinging();
  if (!(await settleInvitation(invitation, 'declined', new Date(now).toISOString()))) throw notRinging();
  return { call_id: callId, user_id: caller.userId, state: 'declined' as const };
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
