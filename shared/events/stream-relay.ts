import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import type { DynamoDBBatchResponse, DynamoDBRecord } from 'aws-lambda';
import { getConfig } from '../config';
import { logger } from '../observability/logger';
import { MetricName } from '../observability/metric-names';
import { countMetric } from '../observability/metrics';
import { parseWebhookEvent, type WebhookEvent } from '../webhooks/envelope';
import { busEntry, OUTBOX_ITEM_TYPE } from './outbox';
import { AWS_CLIENT_DEFAULTS } from '../secrets/aws-sdk';

// Deployed delivery of the outbox: the table's stream (filtered to new event items) invokes this
// function, which puts each event on the stage's bus with its own envelope as `detail`. A failure
// reports the first record not published; Lambda retries the batch from there (bisecting, for
// 24 h), then sends the record's coordinates to the outbox dead-letter queue, which is alarmed.

/** PutEvents takes at most 10 entries per call. */
const PUT_EVENTS_MAX = 10;

let eventBridge: EventBridgeClient | undefined;

export type PutEntries = (entries: PutEventsRequestEntry[]) => Promise<{ failed: number }>;

const putWithClient: PutEntries = async (entries) => {
  eventBridge ??= new EventBridgeClient({ region: getConfig().AWS_REGION, ...AWS_CLIENT_DEFAULTS });
  const result = await eventBridge.send(new PutEventsCommand({ Entries: entries }));
  return { failed: result.FailedEntryCount ?? 0 };
};

/** The outbox event a stream record carries, or undefined for any other change of the table. */
export function eventOfRecord(record: DynamoDBRecord): WebhookEvent | undefined {
  const image = record.dynamodb?.NewImage;
  if (record.eventName !== 'INSERT' || image?.type?.S !== OUTBOX_ITEM_TYPE || !image.envelope?.S) return undefined;
  return parseWebhookEvent(JSON.parse(image.envelope.S));
}

export async function relayStreamRecords(records: DynamoDBRecord[], put: PutEntries = putWithClient): Promise<DynamoDBBatchResponse> {
  const busName = getConfig().EVENT_BUS_NAME;
  if (!busName) throw new Error('EVENT_BUS_NAME is not set');
  const pending = records.flatMap((record) => {
    const event = eventOfRecord(record);
    return event ? [{ record, event }] : [];
  });
  for (let start = 0; start < pending.length; start += PUT_EVENTS_MAX) {
    const chunk = pending.slice(start, start + PUT_EVENTS_MAX);
    let failed: number;
    try {
      ({ failed } = await put(chunk.map(({ event }) => busEntry(event, busName))));
    } catch (error) {
      logger.error('outbox events could not be put on the bus', { error, events: chunk.length });
      failed = chunk.length;
    }
    if (failed > 0) {
      countMetric(MetricName.EventPublishFailed);
      // Retried from the first record of this chunk: events before it are on the bus; the bus consumers dedupe by id.
      const first = chunk[0]?.record.dynamodb?.SequenceNumber;
      return { batchItemFailures: first ? [{ itemIdentifier: first }] : [] };
    }
    for (let index = 0; index < chunk.length; index++) countMetric(MetricName.EventsPublished);
  }
  return { batchItemFailures: [] };
}
