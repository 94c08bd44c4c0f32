import { describe, expect, it } from 'vitest';
import { keys, MEMBER_PREFIX, PARTICIPANT_PREFIX } from './keys';

describe('keys', () => {
  it('puts a call and its participants in one partition', () => {
    expect(keys.call('c1').pk).toBe(keys.callParticipant('c1', 'u1').pk);
    expect(keys.callParticipant('c1', 'u1').sk.startsWith(PARTICIPANT_PREFIX)).toBe(true);
  });

  it("sorts a thread's calls by start time within the thread's index partition", () => {
    const older = keys.threadCallsIndex('t1', '2026-11-21T09:00:00.000Z', 'b');
    const newer = keys.threadCallsIndex('t1', '2026-11-21T10:00:00.000Z', 'a');
    expect(older.gsi1pk).toBe(keys.threadCallsPartition('t1'));
    expect(older.gsi1sk < newer.gsi1sk).toBe(true);
  });
});

describe('thread member keys', () => {
  it('keeps member items in the thread partition, apart from the thread item', () => {
    expect(keys.threadMember('t1', 'constructor')).toEqual({ pk: 'THREAD#t1', sk: 'MEMBER#constructor' });
    expect(keys.threadMember('t1', 'u').pk).toBe(keys.thread('t1').pk);
    expect(keys.threadMember('t1', 'u').sk.startsWith(MEMBER_PREFIX)).toBe(true);
    expect(keys.thread('t1').sk.startsWith(MEMBER_PREFIX)).toBe(false);
  });
});

describe('sweep keys', () => {
  it('orders active calls by deadline, and a deadline is due only once passed', () => {
    const sooner = keys.sweepIndex('2026-11-29T08:00:00.000Z', 'b');
    const later = keys.sweepIndex('2026-11-29T09:00:00.000Z', 'a');
    expect(sooner.gsi4pk).toBe(keys.sweepPartition());
    expect(sooner.gsi4sk < later.gsi4sk).toBe(true);
    expect(sooner.gsi4sk < keys.sweepBefore('2026-11-29T08:00:00.000Z')).toBe(true);
    expect(later.gsi4sk < keys.sweepBefore('2026-11-29T08:59:59.999Z')).toBe(false);
  });
});
