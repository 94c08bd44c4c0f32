import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runJitsiProbe, type JitsiProbeInput } from '../shared/probes/jitsi-probe';
import type { ProbeResult } from '../shared/probes/types';

// A local stand-in for the Jitsi front (nginx), prosody's BOSH and WebSocket, JVB and Jicofo.

const XMPP_DOMAIN = 'meet.jitsi';
const JITSI_PAGE = `<!DOCTYPE html><html><head><title>Jitsi Meet</title>
<script src="config.js?v=1"></script><script src="interface_config.js?v=1"></script>
<script src="libs/app.bundle.min.js?v=1"></script></head><body></body></html>`;
const CONFIG_JS = `var config = {\n  hosts: {\n    domain: '${XMPP_DOMAIN}',\n    muc: 'conference.${XMPP_DOMAIN}'\n  },\n  bosh: '/http-bind',\n};\n`;
const PROSODY_GET = '<html><body><p>It works! Now point your BOSH client to this URL to connect to Prosody.</p></body></html>';

type Handler = (req: http.IncomingMessage, body: string, res: http.ServerResponse) => void;

interface StandIn {
  base: string;
  routes: Map<string, Handler>;
  boshBodies: string[];
  upgrades: boolean;
  /** Sockets of requests a test leaves unanswered on purpose. */
  hanging: Set<Socket>;
}

function send(res: http.ServerResponse, status: number, body = '', type = 'text/html') {
  res.writeHead(status, { 'content-type': type });
  res.end(body);
}

function jitsiRoutes(stand: StandIn): Map<string, Handler> {
  return new Map<string, Handler>([
    ['GET /', (_req, _body, res) => send(res, 200, JITSI_PAGE)],
    ['GET /config.js', (_req, _body, res) => send(res, 200, CONFIG_JS, 'application/javascript')],
    ['GET /http-bind', (_req, _body, res) => send(res, 200, PROSODY_GET)],
    [
      'POST /http-bind',
      (_req, body, res) => {
        stand.boshBodies.push(body);
        if (/type='terminate'/.test(body))
          return send(res, 200, `<body xmlns='http://jabber.org/protocol/httpbind' type='terminate'/>`, 'text/xml');
        if (!body.includes(`to='${XMPP_DOMAIN}'`)) {
          return send(
            res,
            200,
            `<body xmlns='http://jabber.org/protocol/httpbind' type='terminate' condition='improper-addressing'/>`,
            'text/xml',
          );
        }
        send(
          res,
          200,
          `<body xmlns='http://jabber.org/protocol/httpbind' xmlns:stream='http://etherx.jabber.org/streams' sid='4b1c-sid' wait='5' ver='1.6' from='${XMPP_DOMAIN}'>` +
            `<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>ANONYMOUS</mechanism></mechanisms></stream:features></body>`,
          'text/xml',
        );
      },
    ],
    ['GET /jvb/about/health', (_req, _body, res) => send(res, 200)],
    ['GET /jicofo/about/health', (_req, _body, res) => send(res, 200, '{}', 'application/json')],
  ]);
}

describe('runJitsiProbe against a local stand-in front', () => {
  let server: http.Server;
  const stand: StandIn = { base: '', routes: new Map(), boshBodies: [], upgrades: false, hanging: new Set() };
  const hang: Handler = (req) => stand.hanging.add(req.socket);

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        const path = new URL(req.url ?? '/', 'http://x').pathname;
        const handler = stand.routes.get(`${req.method} ${path}`);
        if (handler) handler(req, body, res);
        else send(res, 404, 'Not Found');
      });
    });
    server.on('upgrade', (req, socket) => {
      if (!stand.upgrades || !req.url?.startsWith('/xmpp-websocket')) {
        socket.end('HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n');
        return;
      }
      const accept = createHash('sha1').update(`${req.headers['sec-websocket-key']}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
      socket.end(
        `HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\nsec-websocket-accept: ${accept}\r\nsec-websocket-protocol: xmpp\r\n\r\n`,
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    stand.base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterEach(() => {
    stand.routes = jitsiRoutes(stand);
    stand.boshBodies = [];
    stand.upgrades = false;
    for (const socket of stand.hanging) socket.destroy();
    stand.hanging.clear();
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const probe = (overrides: Partial<JitsiProbeInput> = {}) => {
    if (stand.routes.size === 0) stand.routes = jitsiRoutes(stand);
    return runJitsiProbe({
      publicUrl: stand.base,
      jvbHealthUrl: `${stand.base}/jvb/about/health`,
      jicofoHealthUrl: `${stand.base}/jicofo/about/health`,
      canary: async () => ({ ok: true, detail: 'A join token verifies under the configured HS256 secret' }),
      ...overrides,
    });
  };
  const check = (result: ProbeResult, name: string) => {
    const found = result.checks.find((c) => c.name === name);
    if (!found) throw new Error(`no check named ${name} in ${JSON.stringify(result.checks)}`);
    return found;
  };

  it('reports ok when the front, BOSH, JVB, Jicofo and the canary all answer', async () => {
    const result = await probe();
    expect(result.component).toBe('jitsi');
    expect(result.status).toBe('ok');
    expect(result.checks.map((c) => [c.name, c.ok])).toEqual([
      ['public_front', true],
      ['xmpp', true],
      ['jvb_health', true],
      ['jicofo_health', true],
      ['jwt_canary', true],
    ]);
    expect(check(result, 'public_front').detail).toBe('JITSI_PUBLIC_URL answers 200: the page and config.js are Jitsi Meet');
    expect(check(result, 'xmpp').detail).toMatch(/Prosody opened a BOSH session .* offered stream features, then closed it/);
    // The session was opened for config.js's domain and then terminated.
    expect(stand.boshBodies[0]).toContain(`to='${XMPP_DOMAIN}'`);
    expect(stand.boshBodies[1]).toMatch(/sid='4b1c-sid' type='terminate'/);
    // No internal address in what the health route will serve.
    expect(JSON.stringify(result)).not.toMatch(/127\.0\.0\.1|localhost/);
  });

  it('reports down when the XMPP endpoint answers 502', async () => {
    stand.routes = jitsiRoutes(stand);
    stand.routes.set('POST /http-bind', (_req, _body, res) => send(res, 502, 'Bad Gateway'));
    const result = await probe();
    expect(result.status).toBe('down');
    expect(check(result, 'public_front').ok).toBe(true);
    expect(check(result, 'xmpp')).toMatchObject({
      ok: false,
      detail: 'BOSH /http-bind answered HTTP 502: the front cannot reach prosody behind it',
    });
  });

  it('reports down when the front answers 503', async () => {
    stand.routes = jitsiRoutes(stand);
    stand.routes.set('GET /', (_req, _body, res) => send(res, 503, 'Service Unavailable'));
    const result = await probe();
    expect(result.status).toBe('down');
    expect(check(result, 'public_front').detail).toBe(
      'JITSI_PUBLIC_URL answered HTTP 503: the Jitsi web server is unavailable or in maintenance',
    );
  });

  it('reports down when the videobridge reports unhealthy', async () => {
    stand.routes = jitsiRoutes(stand);
    stand.routes.set('GET /jvb/about/health', (_req, _body, res) => send(res, 500, 'unhealthy'));
    const result = await probe();
    expect(result.status).toBe('down');
    expect(check(result, 'jvb_health').detail).toBe(
      'The videobridge (JVB_HEALTH_URL) answered HTTP 500: it reports itself unhealthy; see its log',
    );
    expect(check(result, 'jicofo_health').ok).toBe(true);
  });

  it('reports degraded for an unhealthy bridge when internal checks are minor', async () => {
    stand.routes = jitsiRoutes(stand);
    stand.routes.set('GET /jvb/about/health', (_req, _body, res) => send(res, 500));
    const result = await probe({ internalSeverity: 'minor' });
    expect(result.status).toBe('degraded');
  });

  it('reports down within the budget when the front never answers', async () => {
    stand.routes = jitsiRoutes(stand);
    stand.routes.set('GET /', hang);
    const started = performance.now();
    const result = await probe({ budgetMs: 1500, checkTimeoutMs: 600 });
    const elapsed = performance.now() - started;
    expect(result.status).toBe('down');
    expect(check(result, 'public_front').detail).toBe('JITSI_PUBLIC_URL did not answer within 600 ms');
    // The XMPP check still ran after the front's timeout, with the domain given up (GET only).
    expect(check(result, 'xmpp').detail).toMatch(/GET only/);
    expect(elapsed).toBeLessThan(1500 + 500);
  });

  it('reports down, within the budget, when Jicofo hangs past it', async () => {
    stand.routes = jitsiRoutes(stand);
    stand.routes.set('GET /jicofo/about/health', hang);
    const started = performance.now();
    const result = await probe({ budgetMs: 800, checkTimeoutMs: 5000 });
    expect(performance.now() - started).toBeLessThan(800 + 500);
    expect(check(result, 'jicofo_health').detail).toBe("Jicofo (JICOFO_HEALTH_URL) did not answer before the probe's time budget ran out");
    expect(result.status).toBe('down');
  });

  it('reports down when the URL answers 200 with a page that is not Jitsi', async () => {
    stand.routes = jitsiRoutes(stand);
    stand.routes.set('GET /', (_req, _body, res) => send(res, 200, '<html><head><title>Welcome to nginx!</title></head></html>'));
    stand.routes.delete('GET /config.js');
    const result = await probe();
    expect(result.status).toBe('down');
    expect(check(result, 'public_front').detail).toMatch(/^JITSI_PUBLIC_URL answers 200 but is not a Jitsi Meet front/);
  });

  it('reports a prosody that serves no VirtualHost for the XMPP domain', async () => {
    const result = await probe({ xmppDomain: 'wrong.domain' });
    expect(check(result, 'xmpp')).toMatchObject({
      ok: false,
      detail: 'Prosody refused a BOSH session (improper-addressing): prosody serves no VirtualHost for the XMPP domain in config.js',
    });
  });

  it('falls back to a GET of /http-bind when config.js names no domain', async () => {
    stand.routes = jitsiRoutes(stand);
    stand.routes.delete('GET /config.js');
    const result = await probe();
    expect(check(result, 'public_front').detail).toBe('JITSI_PUBLIC_URL answers 200: the page is Jitsi Meet; config.js was not served');
    expect(check(result, 'xmpp')).toMatchObject({
      ok: true,
      detail: expect.stringMatching(/^BOSH \/http-bind answers as prosody \(GET only/),
    });
    expect(stand.boshBodies).toEqual([]);
  });

  it('rejects an SPA catch-all that answers /http-bind with the Jitsi page', async () => {
    stand.routes = jitsiRoutes(stand);
    stand.routes.delete('GET /config.js');
    stand.routes.set('GET /http-bind', (_req, _body, res) => send(res, 200, JITSI_PAGE));
    const result = await probe();
    expect(check(result, 'xmpp').detail).toMatch(/not prosody's: the front does not proxy \/http-bind to prosody/);
  });

  it('accepts XMPP over WebSocket when BOSH is not served', async () => {
    stand.routes = jitsiRoutes(stand);
    stand.routes.delete('POST /http-bind');
    stand.upgrades = true;
    const result = await probe();
    expect(check(result, 'xmpp')).toMatchObject({
      ok: true,
      detail: 'BOSH /http-bind answers 404; XMPP over WebSocket (/xmpp-websocket) accepted the upgrade',
    });
  });

  it('reports down when neither BOSH nor WebSocket is served', async () => {
    stand.routes = jitsiRoutes(stand);
    stand.routes.delete('POST /http-bind');
    const result = await probe();
    expect(check(result, 'xmpp').detail).toBe(
      'BOSH /http-bind answers 404; /xmpp-websocket answered HTTP 404 instead of an upgrade: nothing is served at that path',
    );
    expect(result.status).toBe('down');
  });

  it('reports down when the JWT canary fails, without leaking what it said about addresses', async () => {
    const result = await probe({
      canary: async () => ({ ok: false, detail: 'Token rejected by http://10.0.0.7:5280/check for host 10.0.0.7' }),
    });
    expect(result.status).toBe('down');
    expect(check(result, 'jwt_canary').detail).toBe('Token rejected by [url] for host [address]');
  });

  it('reports a throwing canary by its error code only', async () => {
    const error = Object.assign(new Error('signature verification failed for key s3cr3t'), {
      code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
    });
    const result = await probe({ canary: async () => Promise.reject(error) });
    expect(check(result, 'jwt_canary').detail).toBe('The JWT canary failed (ERR_JWS_SIGNATURE_VERIFICATION_FAILED)');
  });

  it('names a refused internal URL without its address', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const result = await probe({ jvbHealthUrl: `http://127.0.0.1:${port}/about/health` });
    expect(check(result, 'jvb_health').detail).toBe('The videobridge (JVB_HEALTH_URL) refused the connection: nothing listens there');
    expect(JSON.stringify(result)).not.toContain('127.0.0.1');
  });

  it('leaves unconfigured checks out', async () => {
    const result = await probe({ jvbHealthUrl: undefined, jicofoHealthUrl: undefined, canary: undefined });
    expect(result.checks.map((c) => c.name)).toEqual(['public_front', 'xmpp']);
    expect(result.status).toBe('ok');
  });
});
