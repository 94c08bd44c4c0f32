import * as z from 'zod/mini';

// Schemas are z.lazy, built on first parse (why: shared/schemas/calls.ts).

// event_sync's payloads (jitsi-contrib prosody-plugins, mod_event_sync_component): times are
// unix seconds. Loose objects: a newer event_sync may add fields; what we read must be right.

// At most the largest time a Date holds (8.64e15 ms): beyond it, toISOString would throw (a 500).
const unixSeconds = /* @__PURE__ */ z.lazy(() => z.number().check(z.int(), z.nonnegative(), z.maximum(8.64e12)));
const roomName = /* @__PURE__ */ z.lazy(() => z.string().check(z.minLength(1), z.maxLength(512)));

// Also the base of z.extend below, which needs the object itself rather than a lazy.
const eventOccupantObject = () =>
  z.looseObject({
    occupant_jid: z.string().check(z.minLength(1), z.maxLength(1024)),
    joined_at: unixSeconds,
    left_at: z.optional(unixSeconds),
    /** The token's context.user.id; absent for jicofo's focus and users without a token. */
    id: z.optional(z.nullable(z.string().check(z.maxLength(256)))),
  });
export const EventOccupantSchema = /* @__PURE__ */ z.lazy(eventOccupantObject);

const RoomEvent = {
  room_name: roomName,
  is_breakout: z.optional(z.boolean()),
};

export const RoomCreatedBody = /* @__PURE__ */ z.lazy(() => z.looseObject({ ...RoomEvent, created_at: z.optional(unixSeconds) }));
export const RoomDestroyedBody = /* @__PURE__ */ z.lazy(() =>
  z.looseObject({
    ...RoomEvent,
    destroyed_at: unixSeconds,
    all_occupants: z.optional(z.array(EventOccupantSchema).check(z.maxLength(10_000))),
  }),
);
export const OccupantJoinedBody = /* @__PURE__ */ z.lazy(() => z.looseObject({ ...RoomEvent, occupant: EventOccupantSchema }));
export const OccupantLeftBody = /* @__PURE__ */ z.lazy(() =>
  z.looseObject({
    ...RoomEvent,
    occupant: z.extend(eventOccupantObject(), { left_at: unixSeconds }),
  }),
);

export const KeyPath = /* @__PURE__ */ z.lazy(() => z.strictObject({ file: z.string().check(z.regex(/^[0-9a-f]{64}\.pem$/i)) }));

// JaaS webhooks (https://developer.8x8.com/jaas/docs/webhooks-payload): `timestamp` is unix
// milliseconds and the source of truth for ordering; `fqn` is `<AppID>/<room name>`. Loose
// objects: JaaS adds fields (and event types) over time; unknown types are acknowledged.
// The largest time a Date holds (8.64e15 ms): beyond it, toISOString would throw (a 500).
const unixMillis = /* @__PURE__ */ z.lazy(() => z.number().check(z.int(), z.nonnegative(), z.maximum(8.64e15)));
// Called only inside the lazy schemas below: built on first parse, like them.
const jaasText = (max: number) => z.optional(z.nullable(z.string().check(z.maxLength(max))));

export const JaasWebhookData = /* @__PURE__ */ z.lazy(() =>
  z.looseObject({
    /** The token's context.user.id; absent for users without a token. */
    id: jaasText(256),
    /** The occupant's real JID with its resource (one per device): `<node>@<host>/<resource>`. */
    participantFullJid: jaasText(1024),
    participantJid: jaasText(1024),
    participantId: jaasText(256),
    conference: jaasText(1024),
    isBreakout: z.optional(z.nullable(z.boolean())),
  }),
);

export const JaasWebhookBody = /* @__PURE__ */ z.lazy(() =>
  z.looseObject({
    idempotencyKey: z.string().check(z.minLength(1), z.maxLength(256)),
    eventType: z.string().check(z.minLength(1), z.maxLength(64)),
    timestamp: unixMillis,
    fqn: z.optional(z.string().check(z.maxLength(1024))),
    data: z.optional(z.nullable(JaasWebhookData)),
  }),
);
