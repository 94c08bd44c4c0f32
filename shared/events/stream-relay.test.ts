import type { DynamoDBRecord } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { resetConfigForTests } from '../config';
import { newEvent } from './outbox';
import { eventOfRecord, relayStreamRecords } from './stream-relay';

// The deployed relay's record handling, offline: which stream records are events, what goes on
// the bus, and which record Lambda retries from when the bus refuses.

const record = (sequence: string, image: Record<string, { S: string }>, eventName: 'INSERT' | 'MODIFY' = 'INSERT'): DynamoDBRecord => ({
  eventName,
  dynamodb: { SequenceNumber: sequence, NewImage: image },
});
const eventRecord = (sequence: string) => {
  const event = newEvent(
    'CallStarted',
    { call_id: `c${sequence}`, thread_id: 't1', invited_user_ids: ['bob'] },
    '2026-11-21T09:00:00.000Z',
  );
  return {
    event,
    record: record(sequence, { pk: { S: `EVENT#${event.id}` }, type: { S: 'event' }, envelope: { S: JSON.stringify(event) } }),
  };
};

beforeAll(() => {
  process.env.EVENT_BUS_NAME = 'calls-bus';
  process.env.EVENTS_MODE = 'eventbridge';
  resetConfigForTests();
});

describe('the outbox stream relay', () => {
  it('reads only new event items', () => {
    const { event, record: inserted } = eventRecord('1');
    expect(eventOfRecord(inserted)).toEqual(event);
    expect(eventOfRecord({ ...inserted, eventName: 'MODIFY' })).toBeUndefined();
    expect(eventOfRecord(record('2', { pk: { S: 'CALL#x' }, type: { S: 'call' } }))).toBeUndefined();
  });

  it('puts each event on the bus with its envelope as detail, source jitsi-calls and detail-type its type, 10 per call', async () => {
    const records = Array.from({ length: 12 }, (_, index) => eventRecord(String(index + 1)));
    const calls: any[][] = [];
    const result = await relayStreamRecords(
      records.map((entry) => entry.record),
      async (entries) => {
        calls.push(entries);
        return { failed: 0 };
      },
    );
    expect(result.batchItemFailures).toEqual([]);
    expect(calls.map((entries) => entries.length)).toEqual([10, 2]);
    const [first] = calls[0] as any[];
    expect(first).toMatchObject({ EventBusName: 'calls-bus', Source: 'jitsi-calls', DetailType: 'CallStarted' });
    expect(JSON.parse(first.Detail)).toEqual(records[0]?.event);
  });

  it('reports the first record of a refused chunk so Lambda retries from there', async () => {
    const records = Array.from({ length: 15 }, (_, index) => eventRecord(String(index + 1)));
    let call = 0;
    const result = await relayStreamRecords(
      records.map((entry) => entry.record),
      async () => (call++ === 0 ? { failed: 0 } : { failed: 1 }),
    );
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: '11' }]);
    const thrown = await relayStreamRecords([records[0]!.record], async () => {
      throw new Error('bus unavailable');
    });
    expect(thrown.batchItemFailures).toEqual([{ itemIdentifier: '1' }]);
  });
});
