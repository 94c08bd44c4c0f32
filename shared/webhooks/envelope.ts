import * as z from 'zod/mini';

// The event envelope of ../shared/API.md "Events, webhooks and the live channel": what goes on
// the bus, what a webhook receiver gets as the body, what the live channel sends.

export const EVENT_TYPES = [
  'CallStarted',
  'CallInvitationDeclined',
  'CallInvitationMissed',
  'CallInvitationCancelled',
  'ParticipantJoined',
  'ParticipantLeft',
  'CallEnded',
  'LiveClassStarted',
  'LiveClassEnded',
  'RecordingStarted',
  'RecordingStopped',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

export interface WebhookEvent {
  /** Unique per event: receivers deduplicate by it (delivery is at least once). */
  id: string;
  type: EventType;
  occurred_at: string;
  /** The ids it concerns (call_id or live_class_id, thread_id or course_id, user_id, ...). */
  data: Record<string, unknown>;
}

export const WebhookEventSchema = z.object({
  id: z.string().check(z.minLength(1), z.maxLength(200)),
  type: z.enum(EVENT_TYPES),
  occurred_at: z.iso.datetime(),
  data: z.record(z.string(), z.unknown()),
});

export class InvalidEventError extends Error {
  override name = 'InvalidEventError';
}

/** Parses an envelope; the error names fields and issue codes only, never values. */
export function parseWebhookEvent(value: unknown): WebhookEvent {
  const result = z.safeParse(WebhookEventSchema, value);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.code}`).join('; ');
    throw new InvalidEventError(`not a webhook event envelope (${problems})`);
  }
  return result.data as WebhookEvent;
}
