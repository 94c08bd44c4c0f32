import { call } from './api';

// Prosody's event_sync as the tests play it: its bearer, an occupant as it reports one, and its
// posts through the service's own routes (the payloads of test/fixtures/jitsi-events).

export const EVENTS_BEARER = { authorization: `Bearer ${process.env.JITSI_EVENTS_SECRET}` };

/** Jitsi's times are unix seconds. */
export const unix = (iso: string) => Math.floor(Date.parse(iso) / 1000);

/** An occupant JID on the token host, its node derived from `node` (one per device). */
export const occupantJid = (node: string) => `${node}-c386-4346-975d-d6ce3a6dfb7d@token.meet.jitsi.test/res`;

export const occupant = (user: string, node: string, joinedAt: number, leftAt?: number) => ({
  occupant_jid: occupantJid(node),
  id: user,
  name: user,
  joined_at: joinedAt,
  ...(leftAt === undefined ? {} : { left_at: leftAt }),
});

export const reportJoined = (room: string, occupantReported: object) =>
  call('jitsi.occupant-joined', {
    headers: EVENTS_BEARER,
    body: { event_name: 'muc-occupant-joined', room_name: room, is_breakout: false, occupant: occupantReported },
  });

export const reportLeft = (room: string, occupantReported: object) =>
  call('jitsi.occupant-left', {
    headers: EVENTS_BEARER,
    body: { event_name: 'muc-occupant-left', room_name: room, is_breakout: false, occupant: occupantReported },
  });
