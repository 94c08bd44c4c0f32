import { describe, expect, it } from 'vitest';
import {
  StunAttr,
  StunError,
  StunMethod,
  decodeErrorCode,
  decodeMessage,
  decodeXorAddress,
  encodeMessage,
  encodeXorAddress,
  getAttribute,
  longTermKey,
  newTransactionId,
  verifyFingerprint,
  verifyMessageIntegrity,
} from './stun';

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

// RFC 5769 test vectors.
const SAMPLE_REQUEST = hex(`
  0001 0058 2112a442 b7e7a701 bc34d686 fa87dfae
  8022 0010 5354554e 20746573 7420636c 69656e74
  0024 0004 6e0001ff
  8029 0008 932ff9b1 51263b36
  0006 0009 6576746a 3a683676 59202020
  0008 0014 9aeaa70c bfd8cb56 781ef2b5 b2d3f249 c1b571a2
  8028 0004 e57a3bcf`);
const SHORT_TERM_PASSWORD = Buffer.from('VOkJxbRl1RmTxUk/WvJxBt');

const IPV4_RESPONSE = hex(`
  0101 003c 2112a442 b7e7a701 bc34d686 fa87dfae
  8022 000b 74657374 20766563 746f7220
  0020 0008 0001a147 e112a643
  0008 0014 2b91f599 fd9e90c3 8c7489f9 2af9ba53 f06be7d7
  8028 0004 c07d4c96`);

const IPV6_RESPONSE = hex(`
  0101 0048 2112a442 b7e7a701 bc34d686 fa87dfae
  8022 000b 74657374 20766563 746f7220
  0020 0014 0002a147 0113a9fa a5d3f179 bc25f4b5 bed2b9d9
  0008 0014 a382954e 4be67bf1 1784c97c 8292c275 bfe3ed41
  8028 0004 c8fb0b4c`);

const LONG_TERM_REQUEST = hex(`
  0001 0060 2112a442 78ad3433 c6ad72c0 29da412e
  0006 0012 e3839ee3 8388e383 aae38383 e382afe3 82b90000
  0015 001c 662f2f34 39396b39 35346436 4f4c3334 6f4c3946 53547679 36347341
  0014 000b 6578616d 706c652e 6f726700
  0008 0014 f6702465 6dd64a3e 02b8e071 2e85c9a2 8ca89666`);

describe('STUN message codec (RFC 5769 vectors)', () => {
  it('decodes the sample request and verifies its short-term integrity and fingerprint', () => {
    const message = decodeMessage(SAMPLE_REQUEST);
    expect(message.method).toBe(StunMethod.Binding);
    expect(message.cls).toBe('request');
    expect(getAttribute(message, StunAttr.Username)?.subarray(0, 9).toString()).toBe('evtj:h6vY');
    expect(getAttribute(message, StunAttr.Software)?.toString()).toBe('STUN test client');
    expect(verifyMessageIntegrity(message, SHORT_TERM_PASSWORD)).toBe(true);
    expect(verifyFingerprint(message)).toBe(true);
  });

  it('rejects the sample request under the wrong key', () => {
    expect(verifyMessageIntegrity(decodeMessage(SAMPLE_REQUEST), Buffer.from('wrong'))).toBe(false);
  });

  it('detects a flipped bit through the fingerprint', () => {
    const tampered = Buffer.from(SAMPLE_REQUEST);
    tampered[30] = tampered[30]! ^ 0x01;
    const message = decodeMessage(tampered);
    expect(verifyFingerprint(message)).toBe(false);
    expect(verifyMessageIntegrity(message, SHORT_TERM_PASSWORD)).toBe(false);
  });

  it('parses an IPv4 XOR-MAPPED-ADDRESS from the sample response', () => {
    const message = decodeMessage(IPV4_RESPONSE);
    expect(message.cls).toBe('success');
    expect(verifyMessageIntegrity(message, SHORT_TERM_PASSWORD)).toBe(true);
    expect(verifyFingerprint(message)).toBe(true);
    const xor = getAttribute(message, StunAttr.XorMappedAddress)!;
    expect(decodeXorAddress(xor, message.transactionId)).toEqual({ family: 'IPv4', address: '192.0.2.1', port: 32853 });
  });

  it('parses an IPv6 XOR-MAPPED-ADDRESS from the sample response', () => {
    const message = decodeMessage(IPV6_RESPONSE);
    expect(verifyMessageIntegrity(message, SHORT_TERM_PASSWORD)).toBe(true);
    expect(verifyFingerprint(message)).toBe(true);
    const xor = getAttribute(message, StunAttr.XorMappedAddress)!;
    expect(decodeXorAddress(xor, message.transactionId)).toEqual({
      family: 'IPv6',
      address: '2001:db8:1234:5678:11:2233:4455:6677',
      port: 32853,
    });
  });

  it('verifies the long-term request with key MD5(username:realm:password)', () => {
    const message = decodeMessage(LONG_TERM_REQUEST);
    const username = getAttribute(message, StunAttr.Username)!.toString('utf8');
    const realm = getAttribute(message, StunAttr.Realm)!.toString('utf8');
    expect(username).toBe('マトリックス');
    expect(realm).toBe('example.org');
    // "TheMatrIX" is the RFC's password after SASLprep.
    expect(verifyMessageIntegrity(message, longTermKey(username, realm, 'TheMatrIX'))).toBe(true);
    expect(verifyMessageIntegrity(message, longTermKey(username, realm, 'TheMatrix'))).toBe(false);
  });

  it('re-encodes the long-term request byte for byte', () => {
    const message = decodeMessage(LONG_TERM_REQUEST);
    const key = longTermKey('マトリックス', 'example.org', 'TheMatrIX');
    const attributes = message.attributes.filter((a) => a.type !== StunAttr.MessageIntegrity);
    const encoded = encodeMessage(
      { method: message.method, cls: message.cls, transactionId: message.transactionId, attributes },
      { integrityKey: key },
    );
    expect(encoded.equals(LONG_TERM_REQUEST)).toBe(true);
  });
});

describe('STUN message codec (round trips)', () => {
  it('encodes method and class bits and reads them back', () => {
    const transactionId = newTransactionId();
    for (const cls of ['request', 'indication', 'success', 'error'] as const) {
      for (const method of [StunMethod.Binding, StunMethod.Allocate, StunMethod.Refresh]) {
        const decoded = decodeMessage(encodeMessage({ method, cls, transactionId }));
        expect([decoded.method, decoded.cls]).toEqual([method, cls]);
      }
    }
    expect(encodeMessage({ method: StunMethod.Allocate, cls: 'error', transactionId }).readUInt16BE(0)).toBe(0x0113);
    expect(encodeMessage({ method: StunMethod.Refresh, cls: 'success', transactionId }).readUInt16BE(0)).toBe(0x0104);
  });

  it('writes integrity then fingerprint, both verifiable, with padded attributes', () => {
    const transactionId = newTransactionId();
    const key = longTermKey('1700000000:probe', 'turn.test', 'secret');
    const encoded = encodeMessage(
      {
        method: StunMethod.Allocate,
        cls: 'request',
        transactionId,
        attributes: [
          { type: StunAttr.Username, value: Buffer.from('1700000000:probe') },
          { type: StunAttr.Nonce, value: Buffer.from('abcde') },
        ],
      },
      { integrityKey: key, fingerprint: true },
    );
    expect(encoded.length % 4).toBe(0);
    const message = decodeMessage(encoded);
    expect(getAttribute(message, StunAttr.Nonce)?.toString()).toBe('abcde');
    expect(verifyMessageIntegrity(message, key)).toBe(true);
    expect(verifyFingerprint(message)).toBe(true);
  });

  it('reports no integrity or fingerprint when the message has none', () => {
    const message = decodeMessage(encodeMessage({ method: StunMethod.Binding, cls: 'request', transactionId: newTransactionId() }));
    expect(verifyMessageIntegrity(message, Buffer.from('k'))).toBeUndefined();
    expect(verifyFingerprint(message)).toBeUndefined();
  });

  it('round-trips XOR addresses, including a compressed IPv6 one', () => {
    const transactionId = newTransactionId();
    for (const address of [
      { family: 'IPv4', address: '127.0.0.1', port: 3478 },
      { family: 'IPv6', address: '::1', port: 5349 },
      { family: 'IPv6', address: 'fe80::1:0:0:2', port: 1 },
    ] as const) {
      expect(decodeXorAddress(encodeXorAddress(address, transactionId), transactionId)).toEqual(address);
    }
  });

  it('reads ERROR-CODE class and number', () => {
    const value = Buffer.concat([Buffer.from([0, 0, 4, 38]), Buffer.from('Stale Nonce')]);
    const message = decodeMessage(
      encodeMessage({
        method: StunMethod.Refresh,
        cls: 'error',
        transactionId: newTransactionId(),
        attributes: [{ type: StunAttr.ErrorCode, value }],
      }),
    );
    expect(decodeErrorCode(message)).toEqual({ code: 438, reason: 'Stale Nonce' });
  });

  it.each([
    ['too short', Buffer.alloc(10)],
    ['an HTTP answer', Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n')],
    ['a wrong length', Buffer.concat([SAMPLE_REQUEST, Buffer.alloc(4)])],
    [
      'an attribute past the end',
      (() => {
        const b = Buffer.from(IPV4_RESPONSE);
        b.writeUInt16BE(0x0100, 22);
        return b;
      })(),
    ],
  ])('rejects %s as malformed', (_name, buf) => {
    const error = thrown(() => decodeMessage(buf));
    expect(error).toBeInstanceOf(StunError);
    expect((error as StunError).kind).toBe('malformed');
  });
});
