import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { COURSE_ID_PATTERN } from '../schemas/live-classes';
import {
  base32,
  LIVE_CLASS_ID_LENGTH,
  newLiveClassId,
  newRoomSuffix,
  parseRoomName,
  ROOM_SUFFIX_LENGTH,
  roomNameFor,
} from './live-classes';

const courseIds = fc.stringMatching(/^[a-z0-9]{1,10}(-[a-z0-9]{1,10}){0,3}$/);
const generatedIds = fc.stringMatching(new RegExp(`^[a-z2-7]{${LIVE_CLASS_ID_LENGTH}}$`));
const suffixes = fc.stringMatching(new RegExp(`^[a-z2-7]{${ROOM_SUFFIX_LENGTH}}$`));

describe('base32', () => {
  it('encodes the RFC 4648 test vectors, lowercase and unpadded', () => {
    const encode = (text: string) => base32(new TextEncoder().encode(text));
    expect(['', 'f', 'fo', 'foo', 'foob', 'fooba', 'foobar'].map(encode)).toEqual([
      '',
      'my',
      'mzxq',
      'mzxw6',
      'mzxw6yq',
      'mzxw6ytb',
      'mzxw6ytboi',
    ]);
  });
});

describe('generated ids', () => {
  it('draws live class ids of 16 base32 characters (80 bits)', () => {
    const ids = Array.from({ length: 200 }, newLiveClassId);
    for (const id of ids) expect(id).toMatch(/^[a-z2-7]{16}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('draws room suffixes of 26 base32 characters: 128 bits, above the 96 the contract asks for', () => {
    const suffix = newRoomSuffix();
    expect(suffix).toMatch(/^[a-z2-7]{26}$/);
    expect(suffix.length * 5).toBeGreaterThanOrEqual(128);
  });
});

describe('room names', () => {
  it('are {course_id}-{live_class_id}-{random}, lowercase and Jitsi-safe', () => {
    const room = roomNameFor('bio-101', 'abcdefghijklmnop', 'a'.repeat(26));
    expect(room).toBe(`bio-101-abcdefghijklmnop-${'a'.repeat(26)}`);
    expect(room).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
  });

  it('split back into their parts from the right, so different classes never share a name', () => {
    fc.assert(
      fc.property(courseIds, generatedIds, suffixes, (courseId, liveClassId, suffix) => {
        expect(parseRoomName(roomNameFor(courseId, liveClassId, suffix))).toEqual({
          course_id: courseId,
          live_class_id: liveClassId,
          suffix,
        });
      }),
    );
  });

  it('differ whenever the course id differs, even when one course id is a hyphenated prefix of another', () => {
    fc.assert(
      fc.property(courseIds, courseIds, generatedIds, generatedIds, suffixes, (a, b, idA, idB, suffix) => {
        fc.pre(a !== b || idA !== idB);
        expect(roomNameFor(a, idA, suffix)).not.toBe(roomNameFor(b, idB, suffix));
      }),
    );
    // 'a-b' + class 'c…' against 'a' + class 'b-c…': impossible, class ids are fixed-width and hyphen-free.
    expect(() => roomNameFor('a', 'b-cdefghijklmnop', 'a'.repeat(26))).toThrow();
  });

  it('refuse course ids that would make an invalid or ambiguous name', () => {
    for (const courseId of ['Bio-101', 'bio--101', '-bio', 'bio-', 'bio_101', 'bio#1', 'bio/1', 'bio 1', '', 'x'.repeat(65)]) {
      expect(COURSE_ID_PATTERN.test(courseId) && courseId.length <= 64, courseId).toBe(false);
      expect(() => roomNameFor(courseId, 'abcdefghijklmnop', 'a'.repeat(26)), courseId).toThrow();
    }
  });

  it('refuse class ids and suffixes that are not what the generators make', () => {
    expect(() => roomNameFor('bio', 'ABCDEFGHIJKLMNOP', 'a'.repeat(26))).toThrow();
    expect(() => roomNameFor('bio', 'abcdefghijklmnop', 'a'.repeat(25))).toThrow();
    expect(parseRoomName('bio-abcdefghijklmnop')).toBeUndefined();
  });
});
