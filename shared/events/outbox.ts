import type { TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { randomUUID } from 'node:crypto';
import { getConfig } from '../config';
import { tableName, toAttributes } from '../db/client';
import { keys } from '../db/keys';
import type { EventType, WebhookEvent } from '../webhooks/envelope';

// The transactional outbox: an event is an item written as a named part of the same DynamoDB
// transaction as the change it describes, so the change and its event commit together or not at
// all. Deployed, the table's stream carries each new event item to the stage's bus
// (functions/events/relay.ts); locally, the local relay (shared/events/local-relay.ts) reads the
// undelivered ones from a sparse index and hands them to its consumers.

export const EVENT_SOURCE = 'jitsi-calls';
/** The item's `type`: the stream filter and the relay pick event items by it. */
export const OUTBOX_ITEM_TYPE = 'event';
/** Kept well beyond the stream's 24 h retention and the relay's retries, then deleted by TTL. */
export const OUTBOX_TTL_SECONDS = 7 * 24 * 3600;

export function newEvent(type: EventType, data: Record<string, unknown>, occurredAt: string): WebhookEvent {
  return { id: randomUUID(), type, occurred_at: occurredAt, data };
}

/** The Put of one event: its own partition (never contended), the envelope as a JSON string, a TTL. */
export function eventPart(event: WebhookEvent): TransactWriteItem {
  const local = getConfig().EVENTS_MODE === 'local';
  return {
    Put: {
      TableName: tableName(),
      Item: toAttributes({
        ...keys.outboxEvent(event.id),
        ...(local ? keys.undeliveredIndex(event.occurred_at, event.id) : {}),
        type: OUTBOX_ITEM_TYPE,
        event_type: event.type,
        envelope: JSON.stringify(event),
        expires_at: Math.floor(Date.parse(event.occurred_at) / 1000) + OUTBOX_TTL_SECONDS,
      }),
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}

/** The EventBridge entry of an event: its own envelope is the `detail` (the webhook deliverer dedupes by its id). */
export const busEntry = (event: WebhookEvent, eventBusName: string) => ({
  EventBusName: eventBusName,
  Source: EVENT_SOURCE,
  DetailType: event.type,
  Detail: JSON.stringify(event),
  Time: new Date(event.occurred_at),
});
