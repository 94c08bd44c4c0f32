import { QueryCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { getConfig } from '../config';
import { dynamo, fromAttributes, send, tableName, toAttributes, toValues } from '../db/client';
import { keys } from '../db/keys';
import { logger } from '../observability/logger';
import { MetricName } from '../observability/metric-names';
import { countMetric } from '../observability/metrics';
import { parseWebhookEvent, type WebhookEvent } from '../webhooks/envelope';
import { EVENT_SOURCE } from './outbox';

// The local server's side of the outbox: reads the events not yet handed over (a sparse index on
// the same table the handlers write to), gives each to every consumer in order of occurrence,
// and only then marks it delivered. A crash before the mark hands it over again after the
// restart: at least once, which is why every event carries an id to deduplicate by.

export type EventListener = (event: WebhookEvent) => Promise<void> | void;

export function localEventsFile(): string {
  const config = getConfig();
  return config.EVENTS_FILE ?? join(config.DATA_DIR, 'events.jsonl');
}

/** The local stand-in for the bus: one JSON line per event, shaped as EventBridge would deliver it. */
export async function appendToEventsFile(event: WebhookEvent): Promise<void> {
  const file = localEventsFile();
  await mkdir(dirname(file), { recursive: true });
  const record = { source: EVENT_SOURCE, 'detail-type': event.type, time: event.occurred_at, detail: event };
  await appendFile(file, `${JSON.stringify(record)}\n`);
}

const BATCH = 100;

async function undelivered(): Promise<{ event: WebhookEvent; key: Record<string, unknown> }[]> {
  const page = await send(
    dynamo().send(
      new QueryCommand({
        TableName: tableName(),
        IndexName: 'gsi3',
        KeyConditionExpression: 'gsi3pk = :partition',
        ExpressionAttributeValues: toValues({ ':partition': keys.undeliveredPartition() }),
        Limit: BATCH,
      }),
    ),
  );
  return (page.Items ?? []).map((attributes) => {
    const item = fromAttributes<{ pk: string; sk: string; envelope: string }>(attributes);
    return { event: parseWebhookEvent(JSON.parse(item.envelope)), key: { pk: item.pk, sk: item.sk } };
  });
}

async function markDelivered(key: Record<string, unknown>): Promise<void> {
  await send(
    dynamo().send(
      new UpdateItemCommand({
        TableName: tableName(),
        Key: toAttributes(key),
        UpdateExpression: 'REMOVE gsi3pk, gsi3sk',
      }),
    ),
  );
}

/**
 * Hands every undelivered event to the listeners, oldest first; returns how many were marked
 * delivered. A listener that fails stops the batch there (order kept) and the rest wait for the next run.
 */
export async function relayOutboxOnce(listeners: Iterable<EventListener>): Promise<number> {
  let delivered = 0;
  for (;;) {
    const batch = await undelivered();
    for (const { event, key } of batch) {
      try {
        for (const listener of listeners) await listener(event);
      } catch (error) {
        logger.error('event delivery to a local consumer failed', { event_id: event.id, event_type: event.type, error });
        countMetric(MetricName.EventPublishFailed);
        return delivered;
      }
      await markDelivered(key);
      countMetric(MetricName.EventsPublished);
      delivered++;
    }
    if (batch.length < BATCH) return delivered;
  }
}

export interface LocalRelay {
  /** Adds a consumer (webhooks, the live channel, ...); returns its unsubscribe. */
  onEvent(listener: EventListener): () => void;
  /** Runs a relay pass now (and waits for the one in progress). */
  flush(): Promise<void>;
  stop(): Promise<void>;
}

/** Polls the outbox every `pollIntervalMs`; the events file is always one of the consumers. */
export function startLocalRelay(options: { pollIntervalMs?: number; log?: (line: string) => void } = {}): LocalRelay {
  const pollIntervalMs = options.pollIntervalMs ?? 250;
  const log = options.log ?? (() => undefined);
  const listeners = new Set<EventListener>([appendToEventsFile]);
  let running: Promise<void> | undefined;
  let stopped = false;

  const pass = (): Promise<void> => {
    running ??= relayOutboxOnce(listeners)
      .then(() => undefined)
      .catch((error: unknown) => log(`outbox unreadable: ${error instanceof Error ? error.message : 'unknown error'}`))
      .finally(() => (running = undefined));
    return running;
  };
  const timer = setInterval(() => {
    if (!stopped) void pass();
  }, pollIntervalMs);
  timer.unref();

  return {
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async flush() {
      await running;
      await pass();
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
