import * as jitsi from '../../schemas/jitsi';
import { operation, type OperationContract } from '../contract';

// Prosody's event_sync posts here: not behind the JWT authorizer, but its own bearer secret.
const presence = <const B extends NonNullable<OperationContract['body']>>(path: string, body: B, summary: string) =>
  ({
    method: 'POST',
    path,
    auth: 'public',
    bearer: 'jitsi-events',
    access: { table: 'readwrite', secrets: ['jitsi-events'] },
    summary,
    body,
    status: 204,
    errors: [],
  }) as const satisfies OperationContract;

export const jitsiRoomCreated = /* @__PURE__ */ operation(
  'jitsi.room-created',
  presence('/api/jitsi/events/room/created', jitsi.RoomCreatedBody, 'event_sync: a Jitsi room was created'),
);

export const jitsiRoomDestroyed = /* @__PURE__ */ operation(
  'jitsi.room-destroyed',
  presence(
    '/api/jitsi/events/room/destroyed',
    jitsi.RoomDestroyedBody,
    'event_sync: a Jitsi room is gone; its sessions close and a thread call ends (room_empty)',
  ),
);

export const jitsiOccupantJoined = /* @__PURE__ */ operation(
  'jitsi.occupant-joined',
  presence(
    '/api/jitsi/events/occupant/joined',
    jitsi.OccupantJoinedBody,
    "event_sync: a user's occupant joined; their session is confirmed or opened",
  ),
);

export const jitsiOccupantLeft = /* @__PURE__ */ operation(
  'jitsi.occupant-left',
  presence(
    '/api/jitsi/events/occupant/left',
    jitsi.OccupantLeftBody,
    "event_sync: a user's occupant left; their session closes (disconnected) when it was their last",
  ),
);

// 8x8 JaaS posts its webhooks here: not behind the JWT authorizer, but signed (X-Jaas-Signature).
export const jitsiJaasWebhook = /* @__PURE__ */ operation('jitsi.jaas-webhook', {
  method: 'POST',
  path: '/api/jitsi/webhooks/jaas',
  auth: 'public',
  signature: 'jaas',
  access: { table: 'readwrite', secrets: ['jaas-webhook'] },
  summary:
    'JaaS webhooks: PARTICIPANT_JOINED, PARTICIPANT_LEFT and ROOM_DESTROYED change sessions as the event_sync routes do; other types are acknowledged',
  body: jitsi.JaasWebhookBody,
  status: 204,
  errors: [],
});

export const jitsiKeys = /* @__PURE__ */ operation('jitsi.keys', {
  method: 'GET',
  path: '/api/jitsi/keys/{file}',
  auth: 'public',
  access: { secrets: ['jitsi-system'] },
  summary: "The system token's public key (SPKI PEM) for Prosody's end-meeting and kick: `<sha256 hex of kid>.pem`",
  pathSchema: jitsi.KeyPath,
  status: 200,
  errors: ['not_found'],
});

export const jitsiOperations = {
  'jitsi.room-created': jitsiRoomCreated,
  'jitsi.room-destroyed': jitsiRoomDestroyed,
  'jitsi.occupant-joined': jitsiOccupantJoined,
  'jitsi.occupant-left': jitsiOccupantLeft,
  'jitsi.jaas-webhook': jitsiJaasWebhook,
  'jitsi.keys': jitsiKeys,
} as const;
