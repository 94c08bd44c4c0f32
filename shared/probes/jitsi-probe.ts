import { createHash, randomBytes, randomInt } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { JvbStatsError, parseJvbStats, type JvbStats } from './jvb-stats';
import { Budget, buildResult, isAbort, runCheck, timeoutDetail, type CheckContext, type CheckOutcome } from './run-check';
import { DEFAULT_PROBE_BUDGET_MS, type CheckSeverity, type GradedCheck, type ProbeResult } from './types';

export interface JitsiProbeInput {
  /** JITSI_PUBLIC_URL: the front users open. */
  publicUrl: string;
  /** JVB_HEALTH_URL, e.g. http://jvb:8080/about/health (internal). */
  jvbHealthUrl?: string;
  /** JICOFO_HEALTH_URL, e.g. http://jicofo:8888/about/health (internal). */
  jicofoHealthUrl?: string;
  /** JVB_STATS_URL, e.g. http://jvb:8080/colibri/stats (internal): read for metrics, a minor check. */
  jvbStatsUrl?: string;
  /** Receives the parsed stats when JVB_STATS_URL answered: the scheduled probe publishes them. */
  onJvbStats?: (stats: JvbStats) => void;
  /**
   * XMPP domain for the BOSH session request. Read from the front's config.js (`hosts.domain`)
   * when not given; without either the probe can only GET the BOSH endpoint.
   */
  xmppDomain?: string;
  /** Mints a token the way join does and verifies it against the configured key. */
  canary?: (signal: AbortSignal) => Promise<CheckOutcome>;
  /** See CheckSeverity: 'minor' suits deployments with several bridges behind Jicofo. */
  internalSeverity?: CheckSeverity;
  /** Whole probe; default 5000 ms. */
  budgetMs?: number;
  /** Each check; default 2000 ms (the front, then XMPP, fit in the budget one after the other). */
  checkTimeoutMs?: number;
  now?: () => number;
  fetch?: typeof fetch;
  signal?: AbortSignal;
}

const DEFAULT_CHECK_TIMEOUT_MS = 2000;
const MAX_BODY_BYTES = 512 * 1024;
const USER_AGENT = 'jitsi-calls-health-probe';
const BOSH_NS = 'http://jabber.org/protocol/httpbind';

interface FrontFindings {
  /** From config.js; undefined when it was not served or names no domain. */
  xmppDomain: string | undefined;
}

export async function runJitsiProbe(input: JitsiProbeInput): Promise<ProbeResult> {
  const now = input.now ?? Date.now;
  const checkedAt = new Date(now());
  const budget = new Budget(input.budgetMs ?? DEFAULT_PROBE_BUDGET_MS, input.signal);
  const checkTimeoutMs = input.checkTimeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS;
  const doFetch = input.fetch ?? fetch;
  // A trailing slash keeps a sub-path deployment's path when resolving `config.js`, `http-bind`.
  const base = new URL(input.publicUrl.endsWith('/') ? input.publicUrl : `${input.publicUrl}/`);
  const internalSeverity = input.internalSeverity ?? 'critical';

  let findings: FrontFindings = { xmppDomain: input.xmppDomain };
  const front = runCheck(
    'public_front',
    'critical',
    budget,
    checkTimeoutMs,
    async (context) => {
      const outcome = await checkFront(doFetch, base, context);
      findings = { xmppDomain: input.xmppDomain ?? outcome.xmppDomain };
      return outcome;
    },
    (error, context) => explainFetchError(error, context, 'JITSI_PUBLIC_URL'),
  );
  // XMPP needs config.js's domain, so it starts when the front check ends, with its own timeout.
  const xmpp = front.then(() =>
    runCheck(
      'xmpp',
      'critical',
      budget,
      checkTimeoutMs,
      (context) => checkXmpp(doFetch, base, findings.xmppDomain, context),
      (error, context) => explainFetchError(error, context, 'The XMPP endpoint (BOSH /http-bind)'),
    ),
  );

  const checks: Promise<GradedCheck>[] = [front, xmpp];
  if (input.jvbHealthUrl) {
    checks.push(
      healthCheck('jvb_health', 'The videobridge (JVB_HEALTH_URL)', input.jvbHealthUrl, internalSeverity, doFetch, budget, checkTimeoutMs),
    );
  }
  if (input.jicofoHealthUrl) {
    checks.push(
      healthCheck('jicofo_health', 'Jicofo (JICOFO_HEALTH_URL)', input.jicofoHealthUrl, internalSeverity, doFetch, budget, checkTimeoutMs),
    );
  }
  if (input.jvbStatsUrl) {
    checks.push(jvbStatsCheck(input.jvbStatsUrl, input.onJvbStats, doFetch, budget, checkTimeoutMs));
  }
  if (input.canary) {
    const canary = input.canary;
    checks.push(
      runCheck(
        'jwt_canary',
        'critical',
        budget,
        checkTimeoutMs,
        (context) => canary(context.signal),
        (error, context) => {
          if (isAbort(error)) return timeoutDetail('The JWT canary', context);
          // Library errors carry a stable code (jose: ERR_JWS_SIGNATURE_VERIFICATION_FAILED); their text may carry data.
          const code = (error as { code?: unknown })?.code;
          return `The JWT canary failed (${typeof code === 'string' ? code : error instanceof Error ? error.name : 'error'})`;
        },
      ),
    );
  }
  const graded = await Promise.all(checks);
  return buildResult('jitsi', checkedAt, budget, graded);
}

const PAGE_MARKERS = [/<script[^>]+src=["'][^"']*config\.js/i, /app\.bundle(?:\.min)?\.js/i, /lib-jitsi-meet/i];
const CONFIG_MARKER = /\bconfig\s*=\s*\{|\bvar\s+config\b/;
// Debian's config.js: `hosts: { domain: 'meet.example.com', ...`; docker-jitsi-meet: `config.hosts.domain = 'meet.jitsi';`.
const DOMAIN_PATTERN = /(?:hosts\s*:\s*\{[^}]*?\bdomain\s*:|hosts\.domain\s*=)\s*['"]([A-Za-z0-9.-]+)['"]/;

async function checkFront(doFetch: typeof fetch, base: URL, context: CheckContext): Promise<CheckOutcome & { xmppDomain?: string }> {
  const [page, config] = await Promise.all([
    getText(doFetch, base, context.signal),
    // config.js is a supporting fact: its failure alone does not fail the front.
    getText(doFetch, new URL('config.js', base), context.signal).catch(() => undefined),
  ]);
  if (page.status !== 200) {
    return { ok: false, detail: `JITSI_PUBLIC_URL answered HTTP ${page.status}${statusHint(page.status, 'the Jitsi web server')}` };
  }
  const pageLooksJitsi = PAGE_MARKERS.some((marker) => marker.test(page.body));
  const configLooksJitsi = config?.status === 200 && CONFIG_MARKER.test(config.body);
  const xmppDomain = configLooksJitsi ? DOMAIN_PATTERN.exec(config.body)?.[1] : undefined;
  if (!pageLooksJitsi && !configLooksJitsi) {
    return {
      ok: false,
      detail:
        'JITSI_PUBLIC_URL answers 200 but is not a Jitsi Meet front: the page has no Jitsi markers and config.js is not served; check that the URL points at the Jitsi web server',
    };
  }
  const what =
    pageLooksJitsi && configLooksJitsi
      ? 'the page and config.js are Jitsi Meet'
      : pageLooksJitsi
        ? 'the page is Jitsi Meet; config.js was not served'
        : 'config.js is Jitsi Meet; the page has no Jitsi markers (customised?)';
  return { ok: true, detail: `JITSI_PUBLIC_URL answers 200: ${what}`, ...(xmppDomain && { xmppDomain }) };
}

async function checkXmpp(doFetch: typeof fetch, base: URL, xmppDomain: string | undefined, context: CheckContext): Promise<CheckOutcome> {
  const boshUrl = new URL('http-bind', base);
  if (!xmppDomain) {
    const answer = await getText(doFetch, boshUrl, context.signal);
    if (answer.status === 404) return websocketFallback(base, context, 'BOSH /http-bind answers 404');
    if (answer.status !== 200)
      return { ok: false, detail: `BOSH /http-bind answered HTTP ${answer.status}${statusHint(answer.status, 'prosody')}` };
    // Prosody answers a GET with "It works! Now point your BOSH client to this URL".
    if (!/BOSH/i.test(answer.body)) {
      return {
        ok: false,
        detail: "BOSH /http-bind answers 200 with a page that is not prosody's: the front does not proxy /http-bind to prosody",
      };
    }
    return { ok: true, detail: 'BOSH /http-bind answers as prosody (GET only: no XMPP domain known from config.js to open a session)' };
  }

  const rid = randomInt(1, 2 ** 31);
  const open =
    `<body rid='${rid}' to='${xmlEscape(xmppDomain)}' xml:lang='en' wait='5' hold='1' ver='1.6' ` +
    `content='text/xml; charset=utf-8' xmpp:version='1.0' xmlns='${BOSH_NS}' xmlns:xmpp='urn:xmpp:xbosh'/>`;
  const answer = await postXml(doFetch, boshUrl, open, context.signal);
  if (answer.status === 404) return websocketFallback(base, context, 'BOSH /http-bind answers 404');
  if (answer.status !== 200)
    return { ok: false, detail: `BOSH /http-bind answered HTTP ${answer.status}${statusHint(answer.status, 'prosody')}` };
  const bodyTag = /<body\b[^>]*>/.exec(answer.body)?.[0];
  if (!bodyTag) {
    return { ok: false, detail: 'BOSH /http-bind answers 200 without a BOSH <body>: the front does not proxy /http-bind to prosody' };
  }
  if (/\btype=['"]terminate['"]/.test(bodyTag)) {
    const condition = /\bcondition=['"]([a-z-]+)['"]/.exec(bodyTag)?.[1] ?? 'no condition';
    const hint =
      condition === 'improper-addressing' || condition === 'host-unknown'
        ? ': prosody serves no VirtualHost for the XMPP domain in config.js'
        : '';
    return { ok: false, detail: `Prosody refused a BOSH session (${condition})${hint}` };
  }
  const sid = /\bsid=['"]([^'"]+)['"]/.exec(bodyTag)?.[1];
  if (!sid) return { ok: false, detail: 'BOSH /http-bind answered a <body> without a session id' };
  const hasFeatures = /<stream:features\b|<features\b/.test(answer.body);
  // Close the session at once rather than leave prosody to time it out; its outcome is not the check's.
  await postXml(
    doFetch,
    boshUrl,
    `<body rid='${rid + 1}' sid='${xmlEscape(sid)}' type='terminate' xmlns='${BOSH_NS}'/>`,
    context.signal,
  ).catch(() => undefined);
  return {
    ok: true,
    detail: `Prosody opened a BOSH session for the XMPP domain${hasFeatures ? ' and offered stream features' : ''}, then closed it`,
  };
}

async function websocketFallback(base: URL, context: CheckContext, boshFinding: string): Promise<CheckOutcome> {
  const url = new URL('xmpp-websocket', base);
  const answer = await websocketHandshake(url, context.signal);
  if (answer.status === 101 && answer.accepted) {
    return { ok: true, detail: `${boshFinding}; XMPP over WebSocket (/xmpp-websocket) accepted the upgrade` };
  }
  if (answer.status === 101) return { ok: false, detail: `${boshFinding}; /xmpp-websocket upgraded with a wrong Sec-WebSocket-Accept` };
  return {
    ok: false,
    detail: `${boshFinding}; /xmpp-websocket answered HTTP ${answer.status} instead of an upgrade${statusHint(answer.status, 'prosody')}`,
  };
}

/** The opening handshake only (RFC 6455 §4): enough to show nginx reaches prosody's WebSocket. */
function websocketHandshake(url: URL, signal: AbortSignal): Promise<{ status: number; accepted: boolean }> {
  const key = randomBytes(16).toString('base64');
  const expected = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const request = client.request(url, {
      signal,
      headers: {
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': key,
        'sec-websocket-protocol': 'xmpp',
        'user-agent': USER_AGENT,
      },
    });
    request.on('upgrade', (response, socket) => {
      socket.destroy();
      resolve({ status: 101, accepted: response.headers['sec-websocket-accept'] === expected });
    });
    request.on('response', (response) => {
      response.resume();
      resolve({ status: response.statusCode ?? 0, accepted: false });
    });
    request.on('error', reject);
    request.end();
  });
}

function healthCheck(
  name: string,
  what: string,
  url: string,
  severity: CheckSeverity,
  doFetch: typeof fetch,
  budget: Budget,
  checkTimeoutMs: number,
): Promise<GradedCheck> {
  return runCheck(
    name,
    severity,
    budget,
    checkTimeoutMs,
    async (context) => {
      const answer = await getText(doFetch, new URL(url), context.signal);
      if (answer.status === 200) return { ok: true, detail: `${what} reports healthy` };
      const hint =
        answer.status >= 500
          ? ': it reports itself unhealthy; see its log'
          : answer.status === 404
            ? ': wrong path (expected /about/health)'
            : '';
      return { ok: false, detail: `${what} answered HTTP ${answer.status}${hint}` };
    },
    (error, context) => explainFetchError(error, context, what),
  );
}

function jvbStatsCheck(
  url: string,
  onStats: ((stats: JvbStats) => void) | undefined,
  doFetch: typeof fetch,
  budget: Budget,
  checkTimeoutMs: number,
): Promise<GradedCheck> {
  const what = 'The videobridge stats (JVB_STATS_URL)';
  return runCheck(
    'jvb_stats',
    'minor',
    budget,
    checkTimeoutMs,
    async (context) => {
      const answer = await getText(doFetch, new URL(url), context.signal);
      if (answer.status !== 200) {
        const hint = answer.status === 404 ? ': wrong path (expected /colibri/stats), or the REST API is not enabled' : '';
        return { ok: false, detail: `${what} answered HTTP ${answer.status}${hint}` };
      }
      let stats: JvbStats;
      try {
        stats = parseJvbStats(answer.body);
      } catch (error) {
        if (error instanceof JvbStatsError) return { ok: false, detail: `${what} ${error.message}` };
        throw error;
      }
      onStats?.(stats);
      const missing = stats.missing.length ? `; not reported: ${stats.missing.join(', ')}` : '';
      return { ok: stats.metrics.length > 0, detail: `${what}: ${stats.metrics.length} metrics read${missing}` };
    },
    (error, context) => explainFetchError(error, context, what),
  );
}

interface TextAnswer {
  status: number;
  body: string;
}

async function getText(doFetch: typeof fetch, url: URL, signal: AbortSignal): Promise<TextAnswer> {
  const response = await doFetch(url, { signal, redirect: 'follow', headers: { 'user-agent': USER_AGENT, accept: 'text/html,*/*' } });
  return { status: response.status, body: await readCapped(response) };
}

async function postXml(doFetch: typeof fetch, url: URL, body: string, signal: AbortSignal): Promise<TextAnswer> {
  const response = await doFetch(url, {
    method: 'POST',
    signal,
    body,
    headers: { 'content-type': 'text/xml; charset=utf-8', 'user-agent': USER_AGENT },
  });
  return { status: response.status, body: await readCapped(response) };
}

/** Reads at most MAX_BODY_BYTES: a front that streams forever must not hold the probe. */
async function readCapped(response: Response): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  while (total < MAX_BODY_BYTES) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    total += value.byteLength;
  }
  await reader.cancel().catch(() => undefined);
  return Buffer.concat(chunks).subarray(0, MAX_BODY_BYTES).toString('utf8');
}

function statusHint(status: number, upstream: string): string {
  if (status === 502 || status === 504) return `: the front cannot reach ${upstream} behind it`;
  if (status === 503) return `: ${upstream} is unavailable or in maintenance`;
  if (status >= 500) return `: ${upstream} fails`;
  if (status === 401 || status === 403) return ': access is restricted for the probe';
  if (status === 404) return ': nothing is served at that path';
  return '';
}

const TLS_CODES = /^(CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT|ERR_TLS_|ERR_SSL_)/;

export function explainFetchError(error: unknown, context: { timeoutMs: number; budgetRanOut: boolean }, what: string): string {
  if (isAbort(error)) return timeoutDetail(what, context);
  const cause = (error as { cause?: unknown })?.cause ?? error;
  const code = (cause as { code?: unknown })?.code;
  if (typeof code !== 'string') return `${what} could not be reached`;
  if (code === 'ECONNREFUSED') return `${what} refused the connection: nothing listens there`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `${what} has a host name that does not resolve`;
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return `${what} closed the connection before answering`;
  if (code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'UND_ERR_HEADERS_TIMEOUT') return timeoutDetail(what, context);
  if (TLS_CODES.test(code)) return `${what} has a TLS certificate the probe does not trust (${code})`;
  return `${what} could not be reached (${code})`;
}

function xmlEscape(value: string): string {
  return value.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}
