import * as z from 'zod/mini';
import { resourceId } from './ids';

export const CallPath = z.strictObject({ call_id: resourceId });
export const StartCallBody = z.strictObject({ thread_id: resourceId, call_type: z.enum(['audio', 'video']) });

const isoTime = z.string();
const nullableTime = z.nullable(z.string());

export const IceServerSchema = z.object({
  urls: z.array(z.string()),
  username: z.optional(z.string()),
  credential: z.optional(z.string()),
});

export const FeatureFlagsSchema = z.object({
  'lobby-mode.enabled': z.boolean(),
  'prejoinpage.enabled': z.boolean(),
  'recording.enabled': z.boolean(),
});

export const JoinInfoSchema = z.object({
  call_id: z.string(),
  room: z.string(),
  jitsi: z.object({ domain: z.string(), url: z.string(), token: z.string(), token_expires_at: isoTime }),
  ice_servers: z.array(IceServerSchema),
  is_moderator: z.boolean(),
  feature_flags: FeatureFlagsSchema,
});

export const StartCallResponseSchema = z.extend(JoinInfoSchema, {
  thread_id: z.string(),
  call_type: z.enum(['audio', 'video']),
  status: z.literal('active'),
  started_at: isoTime,
  initiator_id: z.string(),
});

export const TokenResponseSchema = z.object({ token: z.string(), token_expires_at: isoTime });

export const SessionSchema = z.object({
  user_id: z.string(),
  joined_at: isoTime,
  left_at: nullableTime,
  duration_seconds: z.nullable(z.number()),
});

export const LeaveResponseSchema = z.extend(SessionSchema, { call_id: z.string() });

export const LEFT_REASON = z.nullable(z.enum(['left', 'disconnected', 'call_ended', 'never_connected']));
export const ParticipantSessionSchema = z.extend(SessionSchema, { left_reason: LEFT_REASON });

export const CallLogSchema = z.object({
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

export const IncomingCallsSchema = z.object({
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
});

export const DeclineResponseSchema = z.object({ call_id: z.string(), user_id: z.string(), state: z.literal('declined') });

/** The end's answer: the call log, and whether Jitsi's meeting was ended too (null: not configured). */
export const EndCallResponseSchema = z.extend(CallLogSchema, { jitsi_meeting_ended: z.nullable(z.boolean()) });

export const CallListSchema = z.object({ items: z.array(CallLogSchema), next_cursor: z.nullable(z.string()) });

export const CallsConfigSchema = z.object({ calls_enabled: z.boolean(), jitsi_domain: z.string(), jitsi_url: z.string() });
