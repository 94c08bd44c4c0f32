import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import dgram from 'node:dgram';
import { lookup } from 'node:dns/promises';
import net from 'node:net';
import tls from 'node:tls';
import { crc32 } from 'node:zlib';

// A small STUN (RFC 8489/5389) and TURN (RFC 8656/5766) client for health probes.
// Written here rather than taken from npm: the maintained STUN packages ship no types, pull in
// unmaintained binary helpers, and have no TURN Allocate/Refresh flow nor TCP/TLS framing.

export const MAGIC_COOKIE = 0x2112a442;
const HEADER_LENGTH = 20;
const FINGERPRINT_XOR = 0x5354554e;

export const StunMethod = { Binding: 0x001, Allocate: 0x003, Refresh: 0x004 } as const;
export type StunClass = 'request' | 'indication' | 'success' | 'error';
const CLASS_BITS: Record<StunClass, number> = { request: 0, indication: 1, success: 2, error: 3 };

export const StunAttr = {
  MappedAddress: 0x0001,
  Username: 0x0006,
  MessageIntegrity: 0x0008,
  ErrorCode: 0x0009,
  Lifetime: 0x000d,
  Realm: 0x0014,
  Nonce: 0x0015,
  XorRelayedAddress: 0x0016,
  RequestedTransport: 0x0019,
  XorMappedAddress: 0x0020,
  Software: 0x8022,
  Fingerprint: 0x8028,
} as const;

/** IANA protocol number for UDP, the only transport REQUESTED-TRANSPORT allows in RFC 5766. */
const TRANSPORT_UDP = 17;

export interface StunAttribute {
  type: number;
  value: Buffer;
}

export interface StunMessage {
  method: number;
  cls: StunClass;
  /** 12 bytes. */
  transactionId: Buffer;
  attributes: StunAttribute[];
  /** The bytes as received, kept to verify MESSAGE-INTEGRITY and FINGERPRINT. */
  raw: Buffer;
}

export interface TransportAddress {
  family: 'IPv4' | 'IPv6';
  address: string;
  port: number;
}

export type StunFailureKind =
  /** The server answered 401 to a request that carried credentials: wrong secret or username. */
  | 'auth_rejected'
  | 'timeout'
  /** ICMP unreachable, connection refused, DNS failure, TLS handshake failure. */
  | 'unreachable'
  /** An answer that is not a well-formed STUN message, or lacks what the method requires. */
  | 'malformed'
  /** A success response whose MESSAGE-INTEGRITY does not verify under our key. */
  | 'integrity'
  /** Any other STUN error response (403, 437, 486, 508, ...). */
  | 'error_response';

export class StunError extends Error {
  readonly kind: StunFailureKind;
  /** The STUN error code, when the server sent one. */
  readonly code: number | undefined;
  /** A Node error code (ECONNREFUSED, ENOTFOUND, CERT_HAS_EXPIRED, ...), when there was one. */
  readonly sysCode: string | undefined;

  constructor(kind: StunFailureKind, message: string, options: { code?: number; sysCode?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'StunError';
    this.kind = kind;
    this.code = options.code;
    this.sysCode = options.sysCode;
  }
}

export function newTransactionId(): Buffer {
  return randomBytes(12);
}

function messageType(method: number, cls: StunClass): number {
  const c = CLASS_BITS[cls];
  return ((method & 0xf80) << 2) | ((method & 0x070) << 1) | (method & 0x00f) | ((c & 2) << 7) | ((c & 1) << 4);
}

function splitType(type: number): { method: number; cls: StunClass } {
  const method = ((type & 0x3e00) >> 2) | ((type & 0x00e0) >> 1) | (type & 0x000f);
  const c = ((type & 0x0100) >> 7) | ((type & 0x0010) >> 4);
  const cls = (['request', 'indication', 'success', 'error'] as const)[c] as StunClass;
  return { method, cls };
}

const pad4 = (length: number) => (4 - (length % 4)) % 4;

function attributeBytes(type: number, value: Buffer): Buffer {
  const header = Buffer.alloc(4);
  header.writeUInt16BE(type, 0);
  header.writeUInt16BE(value.length, 2);
  return Buffer.concat([header, value, Buffer.alloc(pad4(value.length))]);
}

export interface EncodeOptions {
  /** HMAC-SHA1 key for MESSAGE-INTEGRITY: the password (short-term) or `longTermKey` (long-term). */
  integrityKey?: Buffer;
  fingerprint?: boolean;
}

export function encodeMessage(
  message: { method: number; cls: StunClass; transactionId: Buffer; attributes?: StunAttribute[] },
  options: EncodeOptions = {},
): Buffer {
  if (message.transactionId.length !== 12) throw new RangeError('transaction id must be 12 bytes');
  const header = Buffer.alloc(HEADER_LENGTH);
  header.writeUInt16BE(messageType(message.method, message.cls), 0);
  header.writeUInt32BE(MAGIC_COOKIE, 4);
  message.transactionId.copy(header, 8);
  let body = Buffer.concat((message.attributes ?? []).map((a) => attributeBytes(a.type, a.value)));

  if (options.integrityKey) {
    // The length field counts MESSAGE-INTEGRITY itself (24 bytes) when the HMAC is computed.
    header.writeUInt16BE(body.length + 24, 2);
    const hmac = createHmac('sha1', options.integrityKey).update(header).update(body).digest();
    body = Buffer.concat([body, attributeBytes(StunAttr.MessageIntegrity, hmac)]);
  }
  if (options.fingerprint) {
    header.writeUInt16BE(body.length + 8, 2);
    const value = Buffer.alloc(4);
    value.writeUInt32BE((crc32(Buffer.concat([header, body])) ^ FINGERPRINT_XOR) >>> 0, 0);
    body = Buffer.concat([body, attributeBytes(StunAttr.Fingerprint, value)]);
  }
  header.writeUInt16BE(body.length, 2);
  return Buffer.concat([header, body]);
}

/** Whether a buffer starts like a STUN message (RFC 8489 §6): cheap, for demultiplexing. */
export function looksLikeStun(buf: Buffer): boolean {
  return buf.length >= HEADER_LENGTH && (buf[0]! & 0xc0) === 0 && buf.readUInt32BE(4) === MAGIC_COOKIE;
}

export function decodeMessage(buf: Buffer): StunMessage {
  if (!looksLikeStun(buf)) throw new StunError('malformed', 'not a STUN message');
  const length = buf.readUInt16BE(2);
  if (length % 4 !== 0 || HEADER_LENGTH + length !== buf.length) {
    throw new StunError('malformed', 'STUN message length does not match its header');
  }
  const { method, cls } = splitType(buf.readUInt16BE(0));
  const attributes: StunAttribute[] = [];
  let offset = HEADER_LENGTH;
  while (offset < buf.length) {
    if (offset + 4 > buf.length) throw new StunError('malformed', 'truncated STUN attribute header');
    const type = buf.readUInt16BE(offset);
    const valueLength = buf.readUInt16BE(offset + 2);
    const end = offset + 4 + valueLength;
    if (end > buf.length) throw new StunError('malformed', 'STUN attribute runs past the message');
    attributes.push({ type, value: buf.subarray(offset + 4, end) });
    offset = end + pad4(valueLength);
  }
  return { method, cls, transactionId: Buffer.from(buf.subarray(8, 20)), attributes, raw: buf };
}

export function getAttribute(message: StunMessage, type: number): Buffer | undefined {
  return message.attributes.find((a) => a.type === type)?.value;
}

/** Byte offset of an attribute's header in `raw`, for integrity and fingerprint checks. */
function attributeOffset(message: StunMessage, type: number): number | undefined {
  let offset = HEADER_LENGTH;
  for (const attribute of message.attributes) {
    if (attribute.type === type) return offset;
    offset += 4 + attribute.value.length + pad4(attribute.value.length);
  }
  return undefined;
}

/** Long-term credential key (RFC 8489 §9.2.2): MD5(username ":" realm ":" password). */
export function longTermKey(username: string, realm: string, password: string): Buffer {
  return createHash('md5').update(`${username}:${realm}:${password}`, 'utf8').digest();
}

/** true/false when the message carries MESSAGE-INTEGRITY, undefined when it carries none. */
export function verifyMessageIntegrity(message: StunMessage, key: Buffer): boolean | undefined {
  const offset = attributeOffset(message, StunAttr.MessageIntegrity);
  const received = getAttribute(message, StunAttr.MessageIntegrity);
  if (offset === undefined || received === undefined) return undefined;
  if (received.length !== 20) return false;
  const header = Buffer.from(message.raw.subarray(0, HEADER_LENGTH));
  // The length the sender used: everything up to and including MESSAGE-INTEGRITY.
  header.writeUInt16BE(offset + 24 - HEADER_LENGTH, 2);
  const expected = createHmac('sha1', key).update(header).update(message.raw.subarray(HEADER_LENGTH, offset)).digest();
  return timingSafeEqual(expected, received);
}

export function verifyFingerprint(message: StunMessage): boolean | undefined {
  const offset = attributeOffset(message, StunAttr.Fingerprint);
  const received = getAttribute(message, StunAttr.Fingerprint);
  if (offset === undefined || received === undefined) return undefined;
  if (received.length !== 4) return false;
  const expected = (crc32(message.raw.subarray(0, offset)) ^ FINGERPRINT_XOR) >>> 0;
  return expected === received.readUInt32BE(0);
}

export function decodeXorAddress(value: Buffer, transactionId: Buffer): TransportAddress {
  if (value.length < 8) throw new StunError('malformed', 'XOR address attribute too short');
  const family = value[1];
  const port = value.readUInt16BE(2) ^ (MAGIC_COOKIE >>> 16);
  const mask = Buffer.alloc(16);
  mask.writeUInt32BE(MAGIC_COOKIE, 0);
  transactionId.copy(mask, 4);
  if (family === 0x01) {
    const bytes = [0, 1, 2, 3].map((i) => value[4 + i]! ^ mask[i]!);
    return { family: 'IPv4', address: bytes.join('.'), port };
  }
  if (family === 0x02) {
    if (value.length < 20) throw new StunError('malformed', 'XOR IPv6 address attribute too short');
    const groups: string[] = [];
    for (let i = 0; i < 16; i += 2) {
      groups.push((((value[4 + i]! ^ mask[i]!) << 8) | (value[5 + i]! ^ mask[i + 1]!)).toString(16));
    }
    return { family: 'IPv6', address: compressIpv6(groups), port };
  }
  throw new StunError('malformed', `unknown address family ${family}`);
}

export function encodeXorAddress(address: TransportAddress, transactionId: Buffer): Buffer {
  const mask = Buffer.alloc(16);
  mask.writeUInt32BE(MAGIC_COOKIE, 0);
  transactionId.copy(mask, 4);
  const raw = address.family === 'IPv4' ? Buffer.from(address.address.split('.').map(Number)) : ipv6Bytes(address.address);
  const value = Buffer.alloc(4 + raw.length);
  value[1] = address.family === 'IPv4' ? 0x01 : 0x02;
  value.writeUInt16BE(address.port ^ (MAGIC_COOKIE >>> 16), 2);
  raw.forEach((byte, i) => (value[4 + i] = byte ^ mask[i]!));
  return value;
}

function ipv6Bytes(text: string): Buffer {
  const [head = '', tail] = text.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = tail === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}

function compressIpv6(groups: string[]): string {
  // RFC 5952: collapse the longest run (length >= 2) of zero groups.
  let bestStart = -1;
  let bestLength = 0;
  for (let i = 0; i < groups.length;) {
    if (groups[i] !== '0') {
      i += 1;
      continue;
    }
    let j = i;
    while (j < groups.length && groups[j] === '0') j += 1;
    if (j - i > bestLength) [bestStart, bestLength] = [i, j - i];
    i = j;
  }
  if (bestLength < 2) return groups.join(':');
  return `${groups.slice(0, bestStart).join(':')}::${groups.slice(bestStart + bestLength).join(':')}`;
}

export function decodeErrorCode(message: StunMessage): { code: number; reason: string } | undefined {
  const value = getAttribute(message, StunAttr.ErrorCode);
  if (!value || value.length < 4) return undefined;
  return { code: (value[2]! & 0x07) * 100 + value[3]!, reason: value.subarray(4).toString('utf8') };
}

const text = (type: number, value: string): StunAttribute => ({ type, value: Buffer.from(value, 'utf8') });
const uint32 = (type: number, value: number): StunAttribute => {
  const buf = Buffer.alloc(4);
  buf.writeUInt32BE(value, 0);
  return { type, value: buf };
};

export interface StunServer {
  host: string;
  port: number;
  /** `udp` for stun:/turn:, `tcp` for turn:?transport=tcp, `tls` for turns:. */
  transport: 'udp' | 'tcp' | 'tls';
  /** TLS only: extra CA certificates (tests use a self-signed one). */
  ca?: string | Buffer;
  /** TLS only: SNI and certificate name; defaults to `host` when it is a name. */
  servername?: string;
}

export interface CallOptions {
  /** Bound for the whole call, including DNS, connect and retransmissions. */
  timeoutMs: number;
  signal?: AbortSignal;
}

interface Channel {
  /** Sends a request and resolves with the response of the same transaction. */
  exchange(request: Buffer, transactionId: Buffer): Promise<StunMessage>;
  close(): void;
}

export interface Deadline {
  signal: AbortSignal;
  /** Whether our own timer fired, as opposed to the parent signal. */
  timedOut: () => boolean;
  clear: () => void;
}

/**
 * A timeout that also follows a parent signal. Not AbortSignal.any(AbortSignal.timeout()):
 * on Node 20 a timeout signal held only by `any` can be collected and then never fires.
 */
export function deadlineSignal(timeoutMs: number, parent?: AbortSignal): Deadline {
  const controller = new AbortController();
  let fired = false;
  const timer = setTimeout(() => {
    fired = true;
    controller.abort(new DOMException(`timed out after ${timeoutMs} ms`, 'TimeoutError'));
  }, timeoutMs);
  const onParent = () => controller.abort(parent?.reason);
  if (parent?.aborted) onParent();
  else parent?.addEventListener('abort', onParent, { once: true });
  return {
    signal: controller.signal,
    timedOut: () => fired,
    clear: () => {
      clearTimeout(timer);
      parent?.removeEventListener('abort', onParent);
    },
  };
}

function abortError(timedOut: boolean, timeoutMs: number): StunError {
  return new StunError('timeout', timedOut ? `no answer within ${timeoutMs} ms` : 'the probe budget ran out before an answer');
}

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNRESET',
  'EHOSTDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'EADDRNOTAVAIL',
]);

function networkError(error: unknown, transport: StunServer['transport']): StunError {
  if (error instanceof StunError) return error;
  const sysCode = (error as { code?: unknown })?.code;
  const code = typeof sysCode === 'string' ? sysCode : undefined;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new StunError('unreachable', 'the host name does not resolve', { sysCode: code, cause: error });
  }
  if (code === 'ECONNREFUSED') {
    const what =
      transport === 'udp' ? 'ICMP port unreachable: nothing listens on that UDP port' : 'connection refused: nothing listens on that port';
    return new StunError('unreachable', what, { sysCode: code, cause: error });
  }
  if (code && UNREACHABLE_CODES.has(code)) {
    return new StunError('unreachable', `network error ${code}`, { sysCode: code, cause: error });
  }
  if (transport === 'tls' && code) {
    // Node's TLS codes (CERT_HAS_EXPIRED, ERR_TLS_CERT_ALTNAME_INVALID, ...) name the problem without data.
    return new StunError('unreachable', `TLS handshake failed (${code})`, { sysCode: code, cause: error });
  }
  return new StunError('unreachable', code ? `network error ${code}` : 'network error', { sysCode: code, cause: error });
}

async function resolve(host: string, signal: AbortSignal): Promise<{ address: string; family: 4 | 6 }> {
  const ipFamily = net.isIP(host);
  if (ipFamily) return { address: host, family: ipFamily as 4 | 6 };
  const result = await raceAbort(lookup(host), signal);
  return { address: result.address, family: result.family === 6 ? 6 : 4 };
}

function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolvePromise, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolvePromise(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** Waits for the response whose transaction id matches, ignoring strays; rejects on socket error or abort. */
class Pending {
  private waiters = new Map<string, { resolve: (m: StunMessage) => void; reject: (e: unknown) => void }>();
  private failure: unknown;

  wait(transactionId: Buffer, signal: AbortSignal): Promise<StunMessage> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const key = transactionId.toString('hex');
    return raceAbort(new Promise<StunMessage>((resolve, reject) => this.waiters.set(key, { resolve, reject })), signal).finally(() =>
      this.waiters.delete(key),
    );
  }

  deliver(buf: Buffer): void {
    let message: StunMessage;
    try {
      message = decodeMessage(buf);
    } catch (error) {
      // A garbled answer to our only outstanding request is a finding, not noise.
      if (this.waiters.size === 1) this.fail(error);
      return;
    }
    this.waiters.get(message.transactionId.toString('hex'))?.resolve(message);
  }

  fail(error: unknown): void {
    this.failure ??= error;
    for (const waiter of this.waiters.values()) waiter.reject(error);
  }
}

async function openUdp(server: StunServer, signal: AbortSignal): Promise<Channel> {
  const { address, family } = await resolve(server.host, signal);
  const socket = dgram.createSocket(family === 6 ? 'udp6' : 'udp4');
  const pending = new Pending();
  socket.on('message', (buf) => pending.deliver(buf));
  // On a connected UDP socket Linux reports ICMP port/host unreachable as ECONNREFUSED etc.
  socket.on('error', (error) => pending.fail(error));
  await raceAbort(new Promise<void>((resolveConnect) => socket.connect(server.port, address, resolveConnect)), signal).catch(
    (error: unknown) => {
      socket.close();
      throw error;
    },
  );
  let closed = false;
  return {
    async exchange(request, transactionId) {
      const answer = pending.wait(transactionId, signal);
      // RFC 8489 §6.2.1 retransmission: RTO 500 ms, doubling, until the deadline.
      let rto = 500;
      let timer: NodeJS.Timeout | undefined;
      const send = () => {
        if (closed) return;
        socket.send(request, (error) => error && pending.fail(error));
        timer = setTimeout(send, rto);
        rto *= 2;
      };
      send();
      try {
        return await answer;
      } finally {
        clearTimeout(timer);
      }
    },
    close() {
      closed = true;
      socket.close();
    },
  };
}

async function openStream(server: StunServer, signal: AbortSignal): Promise<Channel> {
  const pending = new Pending();
  const socket =
    server.transport === 'tls'
      ? tls.connect({
          host: server.host,
          port: server.port,
          servername: server.servername ?? (net.isIP(server.host) ? undefined : server.host),
          ca: server.ca,
        })
      : net.connect({ host: server.host, port: server.port });
  const connected = new Promise<void>((resolveConnect, reject) => {
    socket.once(server.transport === 'tls' ? 'secureConnect' : 'connect', () => resolveConnect());
    socket.once('error', reject);
  });
  socket.on('error', (error) => pending.fail(error));
  // STUN over a stream is self-delimiting: 20-byte header, then `length` bytes (RFC 8489 §6.2.2).
  let buffered = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    while (buffered.length >= HEADER_LENGTH) {
      if (!looksLikeStun(buffered)) {
        pending.fail(new StunError('malformed', 'the server answered with something that is not STUN'));
        socket.destroy();
        return;
      }
      const total = HEADER_LENGTH + buffered.readUInt16BE(2);
      if (buffered.length < total) break;
      pending.deliver(buffered.subarray(0, total));
      buffered = buffered.subarray(total);
    }
  });
  socket.on('close', () => pending.fail(new StunError('unreachable', 'the server closed the connection')));
  try {
    await raceAbort(connected, signal);
  } catch (error) {
    socket.destroy();
    throw error;
  }
  return {
    exchange(request, transactionId) {
      const answer = pending.wait(transactionId, signal);
      socket.write(request);
      return answer;
    },
    close() {
      socket.destroy();
    },
  };
}

async function withChannel<T>(server: StunServer, options: CallOptions, body: (channel: Channel) => Promise<T>): Promise<T> {
  const { signal, timedOut, clear } = deadlineSignal(options.timeoutMs, options.signal);
  let channel: Channel | undefined;
  try {
    channel = await (server.transport === 'udp' ? openUdp(server, signal) : openStream(server, signal));
    return await body(channel);
  } catch (error) {
    if (signal.aborted && !(error instanceof StunError && error.kind !== 'timeout')) throw abortError(timedOut(), options.timeoutMs);
    throw networkError(error, server.transport);
  } finally {
    channel?.close();
    clear();
  }
}

export interface BindingResult {
  /** Our address as the server saw it: keep it out of anything a client can read. */
  mappedAddress: TransportAddress;
  rttMs: number;
}

export function stunBinding(server: StunServer, options: CallOptions): Promise<BindingResult> {
  return withChannel(server, options, async (channel) => {
    const transactionId = newTransactionId();
    const started = performance.now();
    const response = await channel.exchange(
      encodeMessage({ method: StunMethod.Binding, cls: 'request', transactionId }, { fingerprint: true }),
      transactionId,
    );
    const rttMs = Math.round(performance.now() - started);
    if (response.method !== StunMethod.Binding || response.cls === 'request' || response.cls === 'indication') {
      throw new StunError('malformed', 'the answer to a Binding request is not a Binding response');
    }
    if (response.cls === 'error') {
      const error = decodeErrorCode(response);
      throw new StunError('error_response', `Binding error ${error?.code ?? 'without a code'}`, { code: error?.code });
    }
    if (verifyFingerprint(response) === false) throw new StunError('malformed', 'Binding response FINGERPRINT does not match');
    const xor = getAttribute(response, StunAttr.XorMappedAddress);
    if (!xor) throw new StunError('malformed', 'Binding response has no XOR-MAPPED-ADDRESS');
    return { mappedAddress: decodeXorAddress(xor, response.transactionId), rttMs };
  });
}

export interface TurnCredentialsInput {
  username: string;
  password: string;
}

export interface AllocateResult {
  /** False when the server allocated without asking for credentials: an open relay. */
  authenticated: boolean;
  realm: string | undefined;
  /** Relay address on the TURN server: internal, keep it out of anything a client can read. */
  relayedAddress: TransportAddress | undefined;
  lifetimeSeconds: number | undefined;
  /** Whether the Refresh with LIFETIME 0 released the allocation. */
  released: boolean;
  /** Why the release failed, when it did. */
  releaseError: StunError | undefined;
}

interface LongTermAuth {
  username: string;
  realm: string;
  nonce: string;
  key: Buffer;
}

function challenge(response: StunMessage): { realm: string; nonce: string } | undefined {
  const realm = getAttribute(response, StunAttr.Realm)?.toString('utf8');
  const nonce = getAttribute(response, StunAttr.Nonce)?.toString('utf8');
  return realm !== undefined && nonce !== undefined ? { realm, nonce } : undefined;
}

function expectResponse(response: StunMessage, method: number, name: string): void {
  if (response.method !== method || (response.cls !== 'success' && response.cls !== 'error')) {
    throw new StunError('malformed', `the answer to ${name} is not a ${name} response`);
  }
}

/**
 * Allocate a UDP relay with long-term credentials and release it at once: 401 with REALM and
 * NONCE, authenticated Allocate, MESSAGE-INTEGRITY of the success response verified, then a
 * Refresh with LIFETIME 0. A 438 Stale Nonce is retried once with the fresh nonce.
 */
export function turnAllocate(server: StunServer, credentials: TurnCredentialsInput, options: CallOptions): Promise<AllocateResult> {
  return withChannel(server, options, async (channel) => {
    const requested: StunAttribute = { type: StunAttr.RequestedTransport, value: Buffer.from([TRANSPORT_UDP, 0, 0, 0]) };

    const send = async (method: number, attributes: StunAttribute[], auth?: LongTermAuth) => {
      const transactionId = newTransactionId();
      const all = auth
        ? [...attributes, text(StunAttr.Username, auth.username), text(StunAttr.Realm, auth.realm), text(StunAttr.Nonce, auth.nonce)]
        : attributes;
      const request = encodeMessage(
        { method, cls: 'request', transactionId, attributes: all },
        { integrityKey: auth?.key, fingerprint: true },
      );
      return channel.exchange(request, transactionId);
    };

    /** Sends with credentials, following one 438 Stale Nonce; returns the final response. */
    const sendAuthenticated = async (method: number, attributes: StunAttribute[], auth: LongTermAuth, name: string) => {
      let response = await send(method, attributes, auth);
      expectResponse(response, method, name);
      if (response.cls === 'error' && decodeErrorCode(response)?.code === 438) {
        const fresh = challenge(response);
        if (!fresh) throw new StunError('malformed', `${name} 438 Stale Nonce without a NONCE`);
        auth.nonce = fresh.nonce;
        if (fresh.realm !== auth.realm) {
          auth.realm = fresh.realm;
          auth.key = longTermKey(auth.username, auth.realm, credentials.password);
        }
        response = await send(method, attributes, auth);
        expectResponse(response, method, name);
      }
      return response;
    };

    const release = async (auth: LongTermAuth | undefined): Promise<StunError | undefined> => {
      const lifetimeZero = [uint32(StunAttr.Lifetime, 0)];
      try {
        const response = auth
          ? await sendAuthenticated(StunMethod.Refresh, lifetimeZero, auth, 'Refresh')
          : await send(StunMethod.Refresh, lifetimeZero);
        if (!auth) expectResponse(response, StunMethod.Refresh, 'Refresh');
        if (response.cls === 'error') {
          const error = decodeErrorCode(response);
          return new StunError('error_response', `Refresh error ${error?.code ?? 'without a code'}`, { code: error?.code });
        }
        if (auth && verifyMessageIntegrity(response, auth.key) !== true) {
          return new StunError('integrity', 'Refresh response MESSAGE-INTEGRITY does not verify');
        }
        return undefined;
      } catch (error) {
        return error instanceof StunError ? error : networkError(error, server.transport);
      }
    };

    const success = async (response: StunMessage, auth: LongTermAuth | undefined): Promise<AllocateResult> => {
      const relayed = getAttribute(response, StunAttr.XorRelayedAddress);
      const lifetime = getAttribute(response, StunAttr.Lifetime);
      const releaseError = await release(auth);
      return {
        authenticated: auth !== undefined,
        realm: auth?.realm,
        relayedAddress: relayed ? decodeXorAddress(relayed, response.transactionId) : undefined,
        lifetimeSeconds: lifetime && lifetime.length === 4 ? lifetime.readUInt32BE(0) : undefined,
        released: releaseError === undefined,
        releaseError,
      };
    };

    const first = await send(StunMethod.Allocate, [requested]);
    expectResponse(first, StunMethod.Allocate, 'Allocate');
    if (first.cls === 'success') return success(first, undefined);
    const firstError = decodeErrorCode(first);
    if (firstError?.code !== 401) {
      throw new StunError('error_response', `Allocate error ${firstError?.code ?? 'without a code'}`, { code: firstError?.code });
    }
    const offered = challenge(first);
    if (!offered) throw new StunError('malformed', 'Allocate 401 without REALM and NONCE');

    const auth: LongTermAuth = {
      username: credentials.username,
      realm: offered.realm,
      nonce: offered.nonce,
      key: longTermKey(credentials.username, offered.realm, credentials.password),
    };
    const response = await sendAuthenticated(StunMethod.Allocate, [requested], auth, 'Allocate');
    if (response.cls === 'error') {
      const error = decodeErrorCode(response);
      if (error?.code === 401) {
        throw new StunError('auth_rejected', 'Allocate with credentials answered 401 Unauthorized', { code: 401 });
      }
      throw new StunError('error_response', `Allocate error ${error?.code ?? 'without a code'}`, { code: error?.code });
    }
    const integrity = verifyMessageIntegrity(response, auth.key);
    if (integrity !== true) {
      throw new StunError(
        'integrity',
        integrity === undefined ? 'Allocate success without MESSAGE-INTEGRITY' : 'Allocate success MESSAGE-INTEGRITY does not verify',
      );
    }
    return success(response, auth);
  });
}
