import type * as z from 'zod/mini';
import type { EventOccupantSchema, JaasWebhookBody } from '../schemas/jitsi';
import { occupantChanged, roomDestroyed, type OccupantReport } from './presence';

// event_sync's payloads and JaaS webhooks to presence (one implementation: shared/domain/presence.ts): unix seconds to ISO times; breakout rooms, and occupants
// without a user id (jicofo's focus, guests without a token), are acknowledged and ignored.

type EventOccupant = z.output<typeof EventOccupantSchema>;

const isoOf = (unixSeconds: number) => new Date(unixSeconds * 1000).toISOString();

function reportOf(occupant: EventOccupant): OccupantReport | undefined {
  if (!occupant.id) return undefined;
  return {
    userId: occupant.id,
    occupantJid: occupant.occupant_jid,
    joinedAt: isoOf(occupant.joined_at),
    ...(occupant.left_at === undefined ? {} : { leftAt: isoOf(occupant.left_at) }),
  };
}

export async function onOccupantEvent(
  body: { room_name: string; is_breakout?: boolean | undefined; occupant: EventOccupant },
  kind: 'joined' | 'left',
) {
  if (body.is_breakout) return;
  const report = reportOf(body.occupant);
  if (!report) return;
  if (kind === 'joined') delete report.leftAt;
  await occupantChanged(body.room_name, report);
}

export async function onRoomDestroyed(body: {
  room_name: string;
  is_breakout?: boolean | undefined;
  destroyed_at: number;
  all_occupants?: EventOccupant[] | undefined;
}) {
  if (body.is_breakout) return;
  const occupants = (body.all_occupants ?? []).map(reportOf).filter((report) => report !== undefined);
  await roomDestroyed(body.room_name, isoOf(body.destroyed_at), occupants);
}

type JaasWebhook = z.output<typeof JaasWebhookBody>;

/** The room of a JaaS `fqn` (`<AppID>/<room name>`). */
const jaasRoom = (fqn: string | undefined) => {
  const at = fqn?.indexOf('/') ?? -1;
  const room = at < 0 ? '' : (fqn as string).slice(at + 1);
  return room || undefined;
};

/**
 * A JaaS webhook as the same presence changes as event_sync's: PARTICIPANT_JOINED and _LEFT as an
 * occupant (its full JID, one per device) joining or leaving at the payload's `timestamp`, and
 * ROOM_DESTROYED as the room's end. A PARTICIPANT_LEFT does not carry its join time: the rules keep
 * the earliest join they know for the occupant, so a LEFT before its JOINED gives the same state.
 * Every other event type (recordings, transcriptions, ROOM_CREATED, usage...) is acknowledged
 * and ignored, as are breakout rooms and participants without a user id.
 *
 * Retries of the same webhook (same `idempotencyKey`) need no record of keys seen: the presence
 * rules are idempotent (an occupant already known to have joined, or left, changes nothing), and
 * the room's end is conditional on it being active.
 */
export async function onJaasWebhook(body: JaasWebhook): Promise<void> {
  const room = jaasRoom(body.fqn);
  if (!room || body.data?.isBreakout) return;
  const at = new Date(body.timestamp).toISOString();
  if (body.eventType === 'ROOM_DESTROYED') {
    await roomDestroyed(room, at, []);
    return;
  }
  if (body.eventType !== 'PARTICIPANT_JOINED' && body.eventType !== 'PARTICIPANT_LEFT') return;
  const userId = body.data?.id;
  const occupantJid = body.data?.participantFullJid || body.data?.participantJid || body.data?.participantId;
  if (!userId || !occupantJid) return;
  await occupantChanged(room, {
    userId,
    occupantJid,
    joinedAt: at,
    ...(body.eventType === 'PARTICIPANT_LEFT' ? { leftAt: at } : {}),
  });
}
