import * as z from 'zod/mini';
import { resourceId } from './ids';

// Every schema is z.lazy, built on its first parse: a function builds only the schemas its own
// operation reads, not the whole module's at cold start (measured: the calls contracts' load 1.34x -> 1.14x the floor).

export const CallPath = /* @__PURE__ */ z.lazy(() => z.strictObject({ call_id: resourceId }));
export const StartCallBody = /* @__PURE__ */ z.lazy(() => z.strictObject({ thread_id: resourceId, call_type: z.enum(['audio', 'video']) }));

const isoTime = /* @__PURE__ */ z.lazy(() => z.string());
const nullableTime = /* @__PURE__ */ z.lazy(() => z.nullable(z.string()));

export const IceServerSchema = /* @__PURE__ */ z.lazy(() =>
  z.object({
    urls: z.array(z.string()),
    username: z.optional(z.string()),
    credential: z.optional(z.string()),
  }),
);

export const FeatureFlagsSchema = /* @__PURE__ */ z.lazy(() =>
  z.object({
    'lobby-mode.enabled': z.boolean(),
    'prejoinpage.enabled': z.boolean(),
    'recording.enabled': z.boolean(),
  }),
);

// Also the base of z.extend below, which needs the object itself rather than a lazy.
const joinInfoObject = () =>
  z.object({
    call_id: z.string(),
    room: z.string(),
    jitsi: z.object({ domain: z.string(), url: z.string(), token: z.string(), token_expires_at: isoTime }),
    ice_servers: z.array(IceServerSchema),
    is_moderator: z.boolean(),
    feature_flags: FeatureFlagsSchema,
  });
export const JoinInfoSchema = /* @__PURE__ */ z.lazy(joinInfoObject);

export const StartCallResponseSchema = /* @__PURE__ */ z.lazy(() =>
  z.extend(joinInfoObject(), {
    thread_id: z.string(),
    call_type: z.enum(['audio', 'video']),
    status: z.literal('active'),
    started_at: isoTime,
    initiator_id: z.string(),
  }),
);

export const TokenResponseSchema = /* @__PURE__ */ z.lazy(() => z.object({ token: z.string(), token_expires_at: isoTime }));

// Also the base of z.extend below, which needs the object itself rather than a lazy.
const sessionObject = () =>
  z.object({
    user_id: z.string(),
    joined_at: isoTime,
    left_at: nullableTime,
    duration_seconds: z.nullable(z.number()),
  });
export const SessionSchema = /* @__PURE__ */ z.lazy(sessionObject);

export const LeaveResponseSchema = /* @__PURE__ */ z.lazy(() => z.extend(sessionObject(), { call_id: z.string() }));

export const LEFT_REASON = /* @__PURE__ */ z.lazy(() => z.nullable(z.enum(['left', 'disconnected', 'call_ended', 'never_connected'])));
export const ParticipantSessionSchema = /* @__PURE__ */ z.lazy(() => z.extend(sessionObject(), { left_reason: LEFT_REASON }));

// Also the base of z.extend below, which needs the object itself rather than a lazy.
const callLogObject = () =>
  z.object({
    call_id: z.string(),
    thread_id: z.string(),
    call_type: z.enum(['audio', 'video']),
    status: z.enum(['active', 'ended']),
    initiator_id: z.string(),
    started_at: isoTime,
    ended_at: nullableTime,
    duration_seconds: z.nullable(z.number()),
    end_reason: z.nullable(z.enum(['ended', 'room_empty', 'expired'])),
    ended_by: z.nullable(z.string()),
    consent_recorded: z.boolean(),
    participants: z.array(ParticipantSessionSchema),
    invitations: z.array(
      z.object({
        user_id: z.string(),
        state: z.enum(['ringing', 'accepted', 'declined', 'missed', 'cancelled']),
        updated_at: isoTime,
      }),
    ),
  });
export const CallLogSchema = /* @__PURE__ */ z.lazy(callLogObject);

export const IncomingCallsSchema = /* @__PURE__ */ z.lazy(() =>
  z.object({
    items: z.array(
      z.object({
        call_id: z.string(),
        thread_id: z.string(),
        call_type: z.enum(['audio', 'video']),
        initiator_id: z.string(),
        started_at: isoTime,
        ring_expires_at: isoTime,
      }),
    ),
  }),
);

export const DeclineResponseSchema = /* @__PURE__ */ z.lazy(() => z.object({ call_id: z.string(), user_id: z.string(), state: z.literal('declined') }));

/** The end's answer: the call log, and whether Jitsi's meeting was ended too (null: not configured). */
export const EndCallResponseSchema = /* @__PURE__ */ z.lazy(() => z.extend(callLogObject(), { jitsi_meeting_ended: z.nullable(z.boolean()) }));

export const CallListSchema = /* @__PURE__ */ z.lazy(() => z.object({ items: z.array(CallLogSchema), next_cursor: z.nullable(z.string()) }));

export const CallsConfigSchema = /* @__PURE__ */ z.lazy(() => z.object({ calls_enabled: z.boolean(), jitsi_domain: z.string(), jitsi_url: z.string() }));
