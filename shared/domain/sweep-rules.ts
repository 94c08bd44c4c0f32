import type { ParticipantRecord } from '../db/participants';
import { isNeverConnected } from './presence-rules';

// The sweeper's deadline rules for a thread call, pure: given the call's sessions and the clock,
// end it (and when) or say when to look again. The index of active calls (gsi4) is keyed by that
// next look, so a run reads only the calls that are due.

export interface SweepLimits {
  graceSeconds: number;
  maxHours: number;
  /** PRESENCE_CONFIRM_SECONDS: how long an API join waits for Jitsi to report its user. */
  confirmSeconds: number;
}

export type SweepDecision = { action: 'end'; reason: 'room_empty' | 'expired'; endedAt: string } | { action: 'wait'; nextAt: string };

const iso = (ms: number) => new Date(ms).toISOString();

/** The first deadline of a call started at `startedAt`: the empty grace (its initiator may never come back). */
export const firstSweepAt = (startedAt: string, limits: SweepLimits) => iso(Date.parse(startedAt) + limits.graceSeconds * 1000);

/** When the last session closed (the start if nobody has a closed session), or undefined while anyone is in. */
function emptySince(startedAt: string, participants: ParticipantRecord[]): number | undefined {
  if (participants.some((participant) => participant.open_joined_at)) return undefined;
  const lefts = participants.flatMap((participant) => (participant.sessions ?? []).map((session) => Date.parse(session.left_at)));
  return Math.max(Date.parse(startedAt), ...lefts);
}

/**
 * Empty for the grace: ends `room_empty` at the last leave (the call's duration is the time it was
 * used). Otherwise past CALL_MAX_HOURS: ends `expired` at that deadline. Otherwise the next look is
 * the earlier of the expiry and the end of the grace (from the last leave, or from now while
 * anyone is in: a leave can come at any moment and is not indexed).
 */
export function sweepDecision(startedAt: string, participants: ParticipantRecord[], nowMs: number, limits: SweepLimits): SweepDecision {
  const graceMs = limits.graceSeconds * 1000;
  const expiresAt = Date.parse(startedAt) + limits.maxHours * 3_600_000;
  const empty = emptySince(startedAt, participants);
  if (empty !== undefined && nowMs >= empty + graceMs)
    return { action: 'end', reason: 'room_empty', endedAt: iso(Math.min(empty, expiresAt)) };
  if (nowMs >= expiresAt) return { action: 'end', reason: 'expired', endedAt: iso(expiresAt) };
  // While anyone is in, look again within the confirm window too: a join Jitsi never saw closes on time.
  const graceEnd = empty !== undefined ? empty + graceMs : nowMs + Math.min(graceMs, limits.confirmSeconds * 1000);
  return { action: 'wait', nextAt: iso(Math.min(expiresAt, graceEnd)) };
}

/** Jitsi reports presence for this room: some user of it has an occupant on record. */
export const roomHasPresence = (participants: ParticipantRecord[]) =>
  participants.some((participant) => Object.keys(participant.occupants ?? {}).length > 0);

/**
 * The open API joins to close as `never_connected` (zero duration): only in a room Jitsi reports
 * presence for (elsewhere silence proves nothing), and only once PRESENCE_CONFIRM_SECONDS passed
 * without an occupant of that user.
 */
export function neverConnected(participants: ParticipantRecord[], nowMs: number, limits: SweepLimits): ParticipantRecord[] {
  if (!roomHasPresence(participants)) return [];
  return participants.filter(
    (participant) =>
      !participant.open_from_presence &&
      isNeverConnected(
        { open_joined_at: participant.open_joined_at, occupants: participant.occupants ?? {} },
        limits.confirmSeconds,
        nowMs,
      ),
  );
}
