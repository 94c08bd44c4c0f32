import type * as z from 'zod/mini';
import type { EventOccupantSchema } from '../schemas/jitsi';
import { occupantChanged, roomDestroyed, type OccupantReport } from './presence';

// event_sync's payloads to presence: unix seconds to ISO times; breakout rooms, and occupants
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
