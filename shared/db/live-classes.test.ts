import { describe, expect, it } from 'vitest';
import { LIVE_CLASS_SHARDS } from './keys';
import { liveClassStore } from './live-classes';

// The live-class repository's requests, checked offline.

describe('live-class repository parts', () => {
  it('names the create parts class, room and one gate per shard, each put only where nothing is', () => {
    const parts = liveClassStore.parts.create({
      live_class_id: 'abc',
      course_id: 'bio-101',
      title: 'Cells',
      room_name: 'bio-101-abc-xyz',
      status: 'scheduled',
      created_by: 'ada',
      created_at: '2026-11-21T09:00:00.000Z',
    });
    expect(Object.keys(parts)).toEqual(['class', 'room', ...Array.from({ length: LIVE_CLASS_SHARDS }, (_, shard) => `gate${shard}`)]);
    for (const part of Object.values(parts)) expect(part?.Put?.ConditionExpression).toBe('attribute_not_exists(pk)');
    expect(parts.class?.Put?.Item?.gsi1sk).toEqual({ S: '2026-11-21T09:00:00.000Z#abc' });
    expect(parts.gate3?.Put?.Item?.status).toEqual({ S: 'scheduled' });
  });

  it('moves the class (conditionally) and every gate together, recording who only when a user did it; an end leaves the sweeper queue', () => {
    const byUser = liveClassStore.parts.statusTransition('abc', 'live', 'ended', '2026-11-21T10:00:00.000Z', 'ada');
    expect(byUser.class?.Update?.UpdateExpression).toBe(
      'SET #status = :to, ended_at = :at, ended_by = :by REMOVE gsi4pk, gsi4sk, empty_since',
    );
    expect(byUser.class?.Update?.ConditionExpression).toBe('#status = :from');
    expect(byUser.class?.Update?.ExpressionAttributeValues?.[':from']).toEqual({ S: 'live' });
    expect(Object.keys(byUser)).toHaveLength(1 + LIVE_CLASS_SHARDS);
    expect(byUser.gate0?.Update?.UpdateExpression).toBe('SET #status = :to, ended_at = :at');

    const byService = liveClassStore.parts.statusTransition('abc', 'live', 'ended', '2026-11-21T10:00:00.000Z');
    expect(byService.class?.Update?.UpdateExpression).toBe('SET #status = :to, ended_at = :at REMOVE gsi4pk, gsi4sk, empty_since');
    expect(byService.class?.Update?.ExpressionAttributeValues).not.toHaveProperty(':by');

    const start = liveClassStore.parts.statusTransition('abc', 'scheduled', 'live', '2026-11-21T09:00:00.000Z', 'ada');
    expect(start.class?.Update?.UpdateExpression).toBe('SET #status = :to, started_at = :at, started_by = :by');
  });
});
