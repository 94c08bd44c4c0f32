import { describe, expect, it } from 'vitest';
import { keys, LIVE_CLASS_SHARDS, PARTICIPANT_PREFIX, participantShard } from './keys';

describe('live class keys', () => {
  it('puts a class, its room and its course membership under distinct prefixes', () => {
    expect(keys.course('bio-101')).toEqual({ pk: 'COURSE#bio-101', sk: 'COURSE' });
    expect(keys.courseMember('bio-101', 'sam')).toEqual({ pk: 'COURSE#bio-101#MEMBER#sam', sk: 'MEMBER' });
    expect(keys.liveClass('abc')).toEqual({ pk: 'LIVECLASS#abc', sk: 'LIVECLASS' });
    expect(keys.room('bio-101-abc-xyz')).toEqual({ pk: 'ROOM#bio-101-abc-xyz', sk: 'ROOM' });
    expect(keys.courseLiveClassesIndex('bio-101', '2026-11-21T09:00:00.000Z', 'abc')).toEqual({
      gsi1pk: 'COURSE#bio-101#LIVECLASSES',
      gsi1sk: '2026-11-21T09:00:00.000Z#abc',
    });
  });

  it('keeps a shard gate and its participants in one partition, apart from the class item', () => {
    const gate = keys.liveClassGate('abc', 3);
    const participant = keys.liveClassParticipant('abc', 3, 'sam');
    expect(gate).toEqual({ pk: 'LIVECLASS#abc#SHARD#3', sk: 'GATE' });
    expect(participant).toEqual({ pk: 'LIVECLASS#abc#SHARD#3', sk: 'PARTICIPANT#sam' });
    expect(participant.sk.startsWith(PARTICIPANT_PREFIX)).toBe(true);
    expect(gate.sk.startsWith(PARTICIPANT_PREFIX)).toBe(false);
    expect(keys.liveClassShardPartition('abc', 3)).toBe(gate.pk);
    expect(gate.pk).not.toBe(keys.liveClass('abc').pk);
  });

  it('gives a user the same shard every time, within range', () => {
    for (const userId of ['sam', 'teacher-1', 'a@b.example', 'x'.repeat(128)]) {
      const shard = participantShard(userId);
      expect(shard).toBe(participantShard(userId));
      expect(shard).toBeGreaterThanOrEqual(0);
      expect(shard).toBeLessThan(LIVE_CLASS_SHARDS);
    }
  });

  it('spreads 10,000 students evenly enough that no shard takes more than 12% of the joins', () => {
    const counts = new Array<number>(LIVE_CLASS_SHARDS).fill(0);
    for (let index = 0; index < 10_000; index++) {
      const shard = participantShard(`student-${index}`);
      counts[shard] = (counts[shard] ?? 0) + 1;
    }
    expect(Math.max(...counts)).toBeLessThan(1_200);
    expect(Math.min(...counts)).toBeGreaterThan(800);
  });
});
