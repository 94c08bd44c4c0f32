import { BlockList, isIP } from 'node:net';
import * as z from 'zod/mini';
import { getConfig } from '../config';
import { isoDateTime } from './time';

// Schemas are z.lazy, built on first parse (why: shared/schemas/calls.ts).

/**
 * Both URIs share one KMS Encrypt call (4,096-byte plaintext limit): two at this cap plus the
 * JSON around them stay under it. RFC 3986 characters only, so a character is a byte and
 * JSON.stringify escapes nothing (a test checks the worst case fits).
 */
export const MAX_URI_LENGTH = 1800;
const URI_PATTERN = /^[A-Za-z][A-Za-z0-9+.-]*:[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]+$/;

// The service stores these for recorders and players to fetch later: a URI aimed at the
// metadata endpoint, loopback or a private network would turn that fetch against us.
// Two lists: Node matches an IPv4 address against IPv4-mapped IPv6 rules in the same list.
const blocked4 = new BlockList();
const blocked6 = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 3],
] as const) {
  blocked4.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 127],
  ['::ffff:0:0', 96],
  ['64:ff9b::', 96],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const) {
  blocked6.addSubnet(network, prefix, 'ipv6');
}
const LOCAL_NAMES = /^(localhost|localhost\.localdomain|ip6-localhost|ip6-loopback|metadata\.google\.internal)$|\.(localhost|local)$/;

/** The host a URI points at, as a resolver would see it; undefined when there is none. */
function hostOf(uri: string): string | undefined {
  let host: string;
  try {
    host = new URL(uri).hostname;
  } catch {
    return undefined;
  }
  if (host === '') return undefined;
  // Schemes like s3: keep the host as written; the http parser normalizes 0x7f.1 or 2130706433 to 127.0.0.1.
  try {
    host = new URL(`http://${host}/`).hostname;
  } catch {
    return host.toLowerCase();
  }
  return host.replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');
}

export function uriProblem(uri: string, schemes: readonly string[]): string | undefined {
  const scheme = uri.slice(0, uri.indexOf(':')).toLowerCase();
  if (!schemes.includes(scheme)) return `scheme "${scheme}" is not accepted; use ${schemes.join(' or ')}`;
  const host = hostOf(uri);
  if (host === undefined) return 'must name a host or bucket (scheme://host/…)';
  const family = isIP(host);
  const isBlocked = family === 0 ? LOCAL_NAMES.test(host) : family === 4 ? blocked4.check(host, 'ipv4') : blocked6.check(host, 'ipv6');
  return isBlocked ? 'must not point at a loopback, link-local or private address' : undefined;
}

const uri = /* @__PURE__ */ z.lazy(() =>
  z.string().check(
    z.maxLength(MAX_URI_LENGTH),
    z.regex(URI_PATTERN, 'must be an absolute URI (scheme:…) of RFC 3986 characters'),
    z.superRefine((value, ctx) => {
      if (!URI_PATTERN.test(value)) return;
      const problem = uriProblem(value, getConfig().RECORDING_URI_SCHEMES);
      if (problem) ctx.addIssue({ code: 'custom', message: problem, input: value });
    }),
    z.describe(
      'An absolute URI whose scheme the stage accepts (RECORDING_URI_SCHEMES, default s3 and https) and whose host is not loopback, link-local or private (IPv4 or IPv6) nor a name like localhost.',
    ),
  ),
);
const utcTime = /* @__PURE__ */ z.lazy(() => isoDateTime());

export const RecordingControlBody = /* @__PURE__ */ z.lazy(() =>
  z.strictObject({
    action: z.enum(['start', 'stop']),
    consent_confirmed: z.optional(
      // A boolean, not literal true: a client sending its unchecked box gets 409 consent_required, as the contract says.
      z.boolean().check(z.describe('Must be true for start: the participants were shown the consent text and agreed.')),
    ),
  }),
);

export const CreateRecordingBody = /* @__PURE__ */ z.lazy(() =>
  z
    .strictObject({
      storage_uri: uri,
      started_at: utcTime,
      ended_at: utcTime,
      size_bytes: z.optional(z.int().check(z.gte(0), z.lte(Number.MAX_SAFE_INTEGER))),
      transcript_uri: z.optional(uri),
    })
    .check(z.refine((body) => body.ended_at >= body.started_at, { message: 'must not be before started_at', path: ['ended_at'] })),
);

export const ConsentSchema = /* @__PURE__ */ z.lazy(() =>
  z.object({
    recorded_by: z.string(),
    recorded_at: z.string(),
    text_version: z.string().check(z.describe('CONSENT_TEXT_VERSION when consent was given: which consent text the users saw.')),
  }),
);

export const RecordingControlResponseSchema = /* @__PURE__ */ z.lazy(() =>
  z
    .object({
      call_id: z.string(),
      recording: z.enum(['started', 'stopped']),
      action_by: z.string().check(z.describe('Who started or stopped the recording with this request.')),
      action_at: z.string(),
      consent_recorded: z.boolean(),
      consent: z.nullable(ConsentSchema).check(z.describe('The latest consent on record; null if a stop came before any start.')),
    })
    .check(
      z.describe(
        'The recording state after this request. A start records consent (who, when, which text version) and sets consent_recorded on the call log; a stop is recorded (who, when) and leaves consent on record, so recordings finished later can still be registered.',
      ),
    ),
);

export const RecordingSchema = /* @__PURE__ */ z.lazy(() =>
  z.object({
    recording_id: z.string(),
    call_id: z.string(),
    started_at: z.string(),
    ended_at: z.string(),
    size_bytes: z.nullable(z.number()),
    storage_uri: z.string(),
    transcript_uri: z.nullable(z.string()),
    created_by: z.string(),
    created_at: z.string(),
  }),
);

export const RecordingListSchema = /* @__PURE__ */ z.lazy(() =>
  z
    .object({ items: z.array(RecordingSchema) })
    .check(
      z.describe(
        "The call's recordings by start time, decrypted. An item whose ciphertext does not decrypt under this call's context (copied from another call, or corrupt) is left out and logged.",
      ),
    ),
);
