import * as z from 'zod/mini';
import { isoDateTime } from './time';
import { IceServerSchema, LEFT_REASON, TokenResponseSchema } from './calls';
import { userId } from './ids';

// Schemas are z.lazy, built on first parse (why: shared/schemas/calls.ts).

// Course ids become the first part of a Jitsi room name `{course_id}-{live_class_id}-{random}`.
// Jitsi lowercases room names, so only lowercase letters and digits, in hyphen-separated words
// (no leading, trailing or double hyphens). The two parts after the course id are fixed-width and
// hyphen-free, so a room name splits back into its parts from the right, whatever the course id.
export const COURSE_ID_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
export const COURSE_ID_MAX = 64;
/** Generated ids are 16 base32 characters; the path accepts any short lowercase id and answers 404. */
export const LIVE_CLASS_ID_PATTERN = /^[a-z0-9]{1,64}$/;

export const courseId = /* @__PURE__ */ z.lazy(() =>
  z
    .string()
    .check(
      z.maxLength(COURSE_ID_MAX),
      z.regex(COURSE_ID_PATTERN, `must be 1-${COURSE_ID_MAX} characters: lowercase words of a-z 0-9 joined by single hyphens`),
    ),
);
export const liveClassId = /* @__PURE__ */ z.lazy(() => z.string().check(z.regex(LIVE_CLASS_ID_PATTERN, 'must be 1-64 characters of a-z 0-9')));

export const CoursePath = /* @__PURE__ */ z.lazy(() => z.strictObject({ course_id: courseId }));
export const CourseMemberPath = /* @__PURE__ */ z.lazy(() => z.strictObject({ course_id: courseId, user_id: userId }));
export const LiveClassPath = /* @__PURE__ */ z.lazy(() => z.strictObject({ live_class_id: liveClassId }));

export const CreateLiveClassBody = /* @__PURE__ */ z.lazy(() =>
  z.strictObject({
    title: z.string().check(z.trim(), z.minLength(1), z.maxLength(200)),
    scheduled_at: z.optional(isoDateTime({ offset: true })),
  }),
);

export const ListLiveClassesQuery = /* @__PURE__ */ z.lazy(() =>
  z.strictObject({
    limit: z.optional(z.pipe(z.coerce.number(), z.int().check(z.gte(1), z.lte(100)))),
    cursor: z.optional(z.string().check(z.regex(/^[A-Za-z0-9_-]{1,512}$/, 'is not a cursor this API issued'))),
  }),
);

const nullableTime = /* @__PURE__ */ z.lazy(() => z.nullable(z.string()));

export const LiveClassSchema = /* @__PURE__ */ z.lazy(() =>
  z.object({
    live_class_id: z.string(),
    course_id: z.string(),
    title: z.string(),
    room_name: z.string(),
    status: z.enum(['scheduled', 'live', 'ended']),
    scheduled_at: nullableTime,
    started_at: nullableTime,
    ended_at: nullableTime,
    duration_seconds: z.nullable(z.number()),
    created_by: z.string(),
    created_at: z.string(),
  }),
);

export const LiveClassListSchema = /* @__PURE__ */ z.lazy(() => z.object({ items: z.array(LiveClassSchema), next_cursor: z.nullable(z.string()) }));

/** The shape the learning platform's Flutter app parses: field for field as in the contract. */
export const LiveClassJoinSchema = /* @__PURE__ */ z.lazy(() =>
  z.object({
    live_class_id: z.string(),
    room: z.string(),
    subject: z.string(),
    jitsi_server_url: z.string(),
    jitsi_domain: z.string(),
    token: z.string(),
    token_expires_at: z.string(),
    ice_servers: z.array(IceServerSchema),
    feature_flags: z.object({
      'lobby-mode.enabled': z.boolean(),
      'prejoinpage.enabled': z.boolean(),
      'recording.enabled': z.boolean(),
    }),
    is_moderator: z.boolean(),
  }),
);

export const LiveClassTokenSchema = TokenResponseSchema;

export const LiveClassLeaveSchema = /* @__PURE__ */ z.lazy(() =>
  z.object({
    live_class_id: z.string(),
    user_id: z.string(),
    joined_at: z.string(),
    left_at: z.string(),
    duration_seconds: z.number(),
  }),
);

export const AttendanceSchema = /* @__PURE__ */ z.lazy(() =>
  z.object({
    items: z.array(
      z.object({
        user_id: z.string(),
        role: z.enum(['host', 'participant']),
        sessions: z.array(
          z.object({ joined_at: z.string(), left_at: nullableTime, duration_seconds: z.nullable(z.number()), left_reason: LEFT_REASON }),
        ),
        total_seconds: z.number(),
      }),
    ),
  }),
);

export const EndLiveClassSchema = /* @__PURE__ */ z.lazy(() =>
  z.object({
    status: z.literal('ended'),
    started_at: z.string(),
    ended_at: z.string(),
    duration_seconds: z.number(),
    jitsi_meeting_ended: z.nullable(z.boolean()),
  }),
);
