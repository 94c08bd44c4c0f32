import { describe, expect, it } from 'vitest';
import { itemSize, readUnits, valueSize, writeUnits } from './capacity-rules';

describe('capacity rules', () => {
  it('sizes an item as names plus values, lists and maps with their overhead', () => {
    expect(itemSize({ pk: { S: 'THREAD#a' }, n: { N: '12345' }, ok: { BOOL: true } })).toBe(2 + 8 + 1 + 4 + 2 + 1);
    expect(valueSize({ L: [{ S: 'ab' }, { NULL: true }] })).toBe(3 + (1 + 2) + (1 + 1));
    expect(valueSize({ M: { k: { S: 'v' } } })).toBe(3 + 1 + 1 + 1);
    expect(valueSize({ SS: ['é', 'b'] })).toBe(3);
  });

  it('bills reads by 4 KB and writes by 1 KB, transactions twice, never less than one unit', () => {
    expect(readUnits(0, 'eventual')).toBe(0.5);
    expect(readUnits(4097, 'strong')).toBe(2);
    expect(readUnits(100, 'transactional')).toBe(2);
    expect(writeUnits(0)).toBe(1);
    expect(writeUnits(1025)).toBe(2);
    expect(writeUnits(3000, true)).toBe(6);
  });
});
