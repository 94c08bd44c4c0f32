import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { deliveryMessage, MAX_SQS_DELAY_SECONDS, parseQueueBody, sqsDeliveryHandler } from './sqs-delivery';
import type { WebhookEvent } from './envelope';

// No SQS runs on this machine: a client that records SendMessage inputs stands in for it.
// Delivery itself goes through an injected fetch.

const event: WebhookEvent = { id: 'evt-1', type: 'CallEnded', occurred_at: '2026-11-21T09:00:00.000Z', data: { call_id: 'c' } };
const NOW = Date.parse('2026-11-21T10:00:00.000Z');

function setup(statuses: Record<string, number>) {
  const sent: { QueueUrl?: string; MessageBody?: string; DelaySeconds?: number }[] = [];
  const sqs = { send: async (command: SendMessageCommand) => void sent.push(command.input) } as unknown as SQSClient;
  const fetched: string[] = [];
  const fetchStub = (async (url: string) => {
    fetched.push(url);
    return new Response(null, { status: statuses[url] ?? 200 });
  }) as typeof fetch;
  const handler = sqsDeliveryHandler({
    sqs,
    queueUrl: 'q',
    deadLetterQueueUrl: 'dlq',
    urls: ['https://a.example/h', 'https://b.example/h'],
    secret: async () => 'x'.repeat(40),
    stage: 'prod',
    deps: { now: () => NOW, random: () => 1, fetch: fetchStub, count: () => undefined },
  });
  const records = (...bodies: string[]): SQSEvent => ({ Records: bodies.map((body, i) => ({ messageId: `m${i}`, body })) }) as SQSEvent;
  return { handler, sent, fetched, records };
}

describe('the SQS delivery adapter', () => {
  it('fans a bus event out to every URL and re-enqueues only the failed one with its delay', async () => {
    const { handler, sent, fetched, records } = setup({ 'https://b.example/h': 503 });
    const result = await handler(records(JSON.stringify({ id: 'eb-1', 'detail-type': 'CallEnded', detail: event })));
    expect(result.batchItemFailures).toEqual([]);
    expect(fetched.sort()).toEqual(['https://a.example/h', 'https://b.example/h']);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ QueueUrl: 'q', DelaySeconds: 10 });
    const item = parseQueueBody(sent[0]!.MessageBody!);
    expect(item).toMatchObject({ kind: 'delivery', pending: { url: 'https://b.example/h', attempts: 1, event: { id: 'evt-1' } } });
  });

  it('sends a retry due in two hours back in 15-minute hops without attempting it', async () => {
    const { handler, sent, fetched, records } = setup({});
    const pending = { event, url: 'https://a.example/h', attempts: 9, due_at: new Date(NOW + 2 * 3_600_000).toISOString() };
    await handler(records(deliveryMessage(pending)));
    expect(fetched).toEqual([]);
    expect(sent[0]).toMatchObject({ QueueUrl: 'q', DelaySeconds: MAX_SQS_DELAY_SECONDS });
  });

  it('sends a delivery failing 24 h after its first attempt to the dead-letter queue', async () => {
    const { handler, sent, records } = setup({ 'https://a.example/h': 500 });
    const pending = {
      event,
      url: 'https://a.example/h',
      attempts: 30,
      first_attempt_at: new Date(NOW - 24 * 3_600_000).toISOString(),
      due_at: new Date(NOW).toISOString(),
    };
    await handler(records(deliveryMessage(pending)));
    expect(sent).toHaveLength(1);
    expect(sent[0]!.QueueUrl).toBe('dlq');
    expect(parseQueueBody(sent[0]!.MessageBody!)).toMatchObject({ kind: 'dead-letter', record: { attempts: 31, last_error: 'HTTP 500' } });
  });

  it('reports an unreadable message as a batch item failure so SQS redrives it, and processes the rest', async () => {
    const { handler, fetched, records } = setup({});
    const result = await handler(records('not json', JSON.stringify({ detail: event })));
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'm0' }]);
    expect(fetched).toHaveLength(2);
  });
});
