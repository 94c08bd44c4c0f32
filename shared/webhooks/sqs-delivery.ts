import { DeleteMessageCommand, ReceiveMessageCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { logger } from '../observability/logger';
import { newPendingDeliveries, replayed, runDelivery, type DeadLetter, type DeliveryDeps, type PendingDelivery } from './engine';
import { parseWebhookEvent, type WebhookEvent } from './envelope';

// Deployed delivery: EventBridge rule -> SQS queue -> this adapter. SQS delays a message at most
// 15 minutes, so a retry due later is re-enqueued in hops of up to 15 minutes until it is due;
// after 24 h of failures the delivery goes to the dead-letter queue (alarmed), where
// `npm run webhooks -- replay` picks it up.

export const MAX_SQS_DELAY_SECONDS = 900;

/** What the delivery queue and its dead-letter queue carry. */
export type QueueItem =
  /** From the rule (or a redriven rule message): deliver to every URL. */
  { kind: 'event'; event: WebhookEvent } | { kind: 'delivery'; pending: PendingDelivery } | { kind: 'dead-letter'; record: DeadLetter };

export function parseQueueBody(body: string): QueueItem {
  const json = JSON.parse(body) as Record<string, unknown>;
  if (json.webhook_delivery) {
    const pending = json.webhook_delivery as PendingDelivery;
    return { kind: 'delivery', pending: { ...pending, event: parseWebhookEvent(pending.event) } };
  }
  if (json.webhook_dead_letter) {
    const record = json.webhook_dead_letter as DeadLetter;
    return { kind: 'dead-letter', record: { ...record, event: parseWebhookEvent(record.event) } };
  }
  return { kind: 'event', event: eventFromEventBridge(json) };
}

/**
 * The outbox puts the envelope itself in `detail` (DetailType = its type). An event published
 * without the envelope is still delivered, built from the EventBridge fields.
 */
export function eventFromEventBridge(message: Record<string, unknown>): WebhookEvent {
  const detail = message.detail as Record<string, unknown> | undefined;
  if (detail && typeof detail.id === 'string' && typeof detail.type === 'string' && detail.data !== undefined) {
    return parseWebhookEvent(detail);
  }
  return parseWebhookEvent({ id: message.id, type: message['detail-type'], occurred_at: message.time, data: detail ?? {} });
}

export const deliveryMessage = (pending: PendingDelivery) => JSON.stringify({ webhook_delivery: pending });
export const deadLetterMessage = (record: DeadLetter) => JSON.stringify({ webhook_dead_letter: record });

export interface SqsDeliveryOptions {
  sqs: SQSClient;
  queueUrl: string;
  deadLetterQueueUrl: string;
  urls: readonly string[];
  secret: () => Promise<string>;
  stage: string;
  deps?: Omit<DeliveryDeps, 'secret' | 'stage'>;
}

function delaySeconds(dueAt: string, now: number): number {
  return Math.min(MAX_SQS_DELAY_SECONDS, Math.max(0, Math.ceil((Date.parse(dueAt) - now) / 1000)));
}

/** The SQS-triggered handler: a record fails (and SQS redelivers it) only when its bookkeeping fails. */
export function sqsDeliveryHandler(options: SqsDeliveryOptions) {
  const now = options.deps?.now ?? Date.now;
  const send = (queueUrl: string, body: string, delay = 0) =>
    options.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body, DelaySeconds: delay }));

  async function handle(pending: PendingDelivery): Promise<void> {
    const wait = delaySeconds(pending.due_at, now());
    // Not due yet: another hop of at most 15 minutes.
    if (wait > 0) return void (await send(options.queueUrl, deliveryMessage(pending), wait));
    const result = await runDelivery(pending, { ...options.deps, secret: await options.secret(), stage: options.stage });
    if (result.kind === 'retry') await send(options.queueUrl, deliveryMessage(result.next), delaySeconds(result.next.due_at, now()));
    if (result.kind === 'dead-letter') await send(options.deadLetterQueueUrl, deadLetterMessage(result.record));
  }

  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const failures: SQSBatchResponse['batchItemFailures'] = [];
    await Promise.all(
      event.Records.map(async (record) => {
        try {
          const item = parseQueueBody(record.body);
          const pendings =
            item.kind === 'event'
              ? newPendingDeliveries(item.event, options.urls, now())
              : item.kind === 'delivery'
                ? [item.pending]
                : [replayed(item.record, now())];
          await Promise.all(pendings.map(handle));
        } catch (error) {
          // Redelivered by SQS after the visibility timeout; after maxReceiveCount, the dead-letter queue.
          logger.error('webhook queue message not processed', { message_id: record.messageId, error });
          failures.push({ itemIdentifier: record.messageId });
        }
      }),
    );
    return { batchItemFailures: failures };
  };
}

export interface DeadLetterEntry {
  item: QueueItem;
  receiptHandle: string;
}

/** Reads the dead-letter queue once through: messages stay invisible for `visibilitySeconds`, so none is read twice. */
export async function readDeadLetterQueue(sqs: SQSClient, deadLetterQueueUrl: string, visibilitySeconds = 60): Promise<DeadLetterEntry[]> {
  const entries: DeadLetterEntry[] = [];
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: deadLetterQueueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        VisibilityTimeout: visibilitySeconds,
      }),
    );
    if (Messages.length === 0) return entries;
    for (const message of Messages) {
      if (message.Body === undefined || message.ReceiptHandle === undefined) continue;
      entries.push({ item: parseQueueBody(message.Body), receiptHandle: message.ReceiptHandle });
    }
  }
}

export const eventOf = (item: QueueItem): WebhookEvent =>
  item.kind === 'event' ? item.event : item.kind === 'delivery' ? item.pending.event : item.record.event;

/** Back on the delivery queue (due now, a fresh 24 h), then off the dead-letter queue. */
export async function replayDeadLetter(
  sqs: SQSClient,
  queueUrl: string,
  deadLetterQueueUrl: string,
  entry: DeadLetterEntry,
): Promise<void> {
  const body = entry.item.kind === 'event' ? JSON.stringify({ detail: entry.item.event }) : deliveryMessage(replayedItem(entry.item));
  await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
  await sqs.send(new DeleteMessageCommand({ QueueUrl: deadLetterQueueUrl, ReceiptHandle: entry.receiptHandle }));
}

function replayedItem(item: Exclude<QueueItem, { kind: 'event' }>): PendingDelivery {
  const record = item.kind === 'dead-letter' ? item.record : { ...item.pending, dead_lettered_at: '' };
  return replayed(record, Date.now());
}
