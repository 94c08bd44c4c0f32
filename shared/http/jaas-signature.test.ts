import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { jaasSignatureProblem, signJaasPayload } from './jaas-signature';

const SECRET = 'jaas-endpoint-secret-0123456789';
const BODY = '{"idempotencyKey":"k","eventType":"PARTICIPANT_JOINED","timestamp":1795940400123}';
const T = 1_795_940_400;
const NOW = T * 1000;

describe('jaasSignatureProblem', () => {
  it('verifies base64 HMAC-SHA256 of "<t>.<raw body>", as JaaS documents it', () => {
    const expected = createHmac('sha256', SECRET).update(`${T}.${BODY}`).digest('base64');
    expect(signJaasPayload(SECRET, T, BODY)).toBe(expected);
    expect(jaasSignatureProblem(`t=${T},v1=${expected}`, BODY, SECRET, NOW)).toBeUndefined();
    // Order of the elements and spaces around them do not matter.
    expect(jaasSignatureProblem(` v1=${expected} , t=${T}`, BODY, SECRET, NOW)).toBeUndefined();
  });

  it('signs the header’s t text as received, not its number reformatted', () => {
    const t = `0${T}`;
    const signed = createHmac('sha256', SECRET).update(`${t}.${BODY}`).digest('base64');
    expect(jaasSignatureProblem(`t=${t},v1=${signed}`, BODY, SECRET, NOW)).toBeUndefined();
    // The same number in another text is another signature.
    expect(jaasSignatureProblem(`t=${t},v1=${signJaasPayload(SECRET, T, BODY)}`, BODY, SECRET, NOW)).toBe('mismatch');
  });

  it('accepts t within 300 s either way and refuses it beyond', () => {
    const header = `t=${T},v1=${signJaasPayload(SECRET, T, BODY)}`;
    expect(jaasSignatureProblem(header, BODY, SECRET, NOW + 300_000)).toBeUndefined();
    expect(jaasSignatureProblem(header, BODY, SECRET, NOW - 300_000)).toBeUndefined();
    expect(jaasSignatureProblem(header, BODY, SECRET, NOW + 301_000)).toBe('stale');
    expect(jaasSignatureProblem(header, BODY, SECRET, NOW - 301_000)).toBe('stale');
  });

  it('names what is wrong: no secret, no header, no t or v1, another body, another secret, only other schemes', () => {
    const signature = signJaasPayload(SECRET, T, BODY);
    expect(jaasSignatureProblem(`t=${T},v1=${signature}`, BODY, undefined, NOW)).toBe('not_configured');
    expect(jaasSignatureProblem(undefined, BODY, SECRET, NOW)).toBe('missing');
    expect(jaasSignatureProblem(`v1=${signature}`, BODY, SECRET, NOW)).toBe('malformed');
    expect(jaasSignatureProblem(`t=${T}`, BODY, SECRET, NOW)).toBe('malformed');
    expect(jaasSignatureProblem(`t=soon,v1=${signature}`, BODY, SECRET, NOW)).toBe('malformed');
    expect(jaasSignatureProblem(`t=${T},v0=${signature}`, BODY, SECRET, NOW)).toBe('malformed');
    expect(jaasSignatureProblem(`t=${T},v1=${signature}`, `${BODY} `, SECRET, NOW)).toBe('mismatch');
    expect(jaasSignatureProblem(`t=${T},v1=${signJaasPayload('another-secret-0123', T, BODY)}`, BODY, SECRET, NOW)).toBe('mismatch');
    // The timestamp is signed: the same signature under another t does not verify.
    expect(jaasSignatureProblem(`t=${T + 1},v1=${signature}`, BODY, SECRET, NOW)).toBe('mismatch');
  });

  it('accepts the header when any one of several v1 signatures matches', () => {
    const header = `t=${T},v1=bm90IGl0,v1=${signJaasPayload(SECRET, T, BODY)}`;
    expect(jaasSignatureProblem(header, BODY, SECRET, NOW)).toBeUndefined();
  });
});
