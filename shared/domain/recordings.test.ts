import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { CiphertextRejectedError } from '../crypto/cipher';
import { KMS_MAX_PLAINTEXT_BYTES } from '../crypto/kms-cipher';
import type { Caller } from '../http/auth';
import { CreateRecordingBody, MAX_URI_LENGTH } from '../schemas/recordings';
import type { ThreadRole } from '../db/threads';
import { mayRecord, openedPayload, recordingContext, sealedPayload } from './recordings';

const caller = (userId: string, isAdmin = false): Caller => ({ userId, roles: new Set(isAdmin ? ['admin'] : []), isAdmin });
const call = { initiator_id: 'dave' };
const times = { started_at: '2026-11-21T09:00:00.000Z', ended_at: '2026-11-21T09:45:00.000Z' };

describe('mayRecord', () => {
  it.each([
    ['the initiator while a member', caller('dave'), 'member', true],
    ['a thread owner', caller('alice'), 'owner', true],
    ['a thread moderator', caller('bob'), 'moderator', true],
    ['an admin outside the thread', caller('root', true), undefined, true],
    ['a plain member', caller('carol'), 'member', false],
    ['the initiator after leaving the thread', caller('dave'), undefined, false],
    ['an outsider', caller('mallory'), undefined, false],
  ])('%s: %s', (_, who, role, allowed) => {
    const member = role
      ? { thread_id: 't', user_id: who.userId, role: role as ThreadRole, added_at: '2026-11-21T09:00:00.000Z' }
      : undefined;
    expect(mayRecord(who, call, member)).toBe(allowed);
  });
});

describe('sealed recording metadata', () => {
  it('fits one KMS Encrypt call even with both URIs at the schema cap', () => {
    const longest = `s3://${'%'.repeat(MAX_URI_LENGTH - 5)}`;
    const body = z.parse(CreateRecordingBody, { storage_uri: longest, transcript_uri: longest, ...times });
    const payload = sealedPayload(randomUUID(), body);
    expect(Buffer.byteLength(payload, 'utf8')).toBeLessThanOrEqual(KMS_MAX_PLAINTEXT_BYTES);
    expect(z.safeParse(CreateRecordingBody, { storage_uri: `${longest}x`, ...times }).success).toBe(false);
  });

  it('round-trips the URIs and refuses a payload sealed for another recording', () => {
    const payload = sealedPayload('rec-1', { storage_uri: 's3://bucket/a.mp4' });
    expect(openedPayload(payload, 'rec-1')).toEqual({ recording_id: 'rec-1', storage_uri: 's3://bucket/a.mp4', transcript_uri: null });
    expect(() => openedPayload(payload, 'rec-2')).toThrow(CiphertextRejectedError);
    expect(() => openedPayload('not json', 'rec-1')).toThrow(CiphertextRejectedError);
    expect(() => openedPayload('{"recording_id":"rec-1"}', 'rec-1')).toThrow(CiphertextRejectedError);
  });

  it('binds the encryption context to the call and its thread only', () => {
    const storedCall = { call_id: 'c1', thread_id: 't1', initiator_id: 'dave', status: 'ended' };
    const context = recordingContext(storedCall);
    expect(context).toEqual({ call_id: 'c1', thread_id: 't1' });
  });
});
