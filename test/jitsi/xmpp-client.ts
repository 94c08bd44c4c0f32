import { randomBytes } from 'node:crypto';
import { Element, escapeXML, parse } from 'ltx';
import WebSocket from 'ws';

// A minimal XMPP client over WebSocket (RFC 7395: one stanza per message), enough to do what
// Jitsi's web client does against Prosody: log in (token in the URL, SASL ANONYMOUS; or PLAIN),
// bind, ask focus for the conference, join MUC rooms, and leave or drop the connection.

const FRAMING = 'urn:ietf:params:xml:ns:xmpp-framing';
const SASL = 'urn:ietf:params:xml:ns:xmpp-sasl';
const BIND = 'urn:ietf:params:xml:ns:xmpp-bind';
export const MUC = 'http://jabber.org/protocol/muc';
export const MUC_USER = 'http://jabber.org/protocol/muc#user';
const WAIT_MS = 10_000;

export interface ConnectOptions {
  /** ws://host:port/xmpp-websocket */
  url: string;
  domain: string;
  token?: string;
  room?: string;
  plain?: { username: string; password: string };
}

export class SaslFailure extends Error {
  constructor(readonly condition: string) {
    super(`SASL failure: ${condition}`);
  }
}

type Waiter = { match: (stanza: Element) => boolean; resolve: (stanza: Element) => void };

export class XmppClient {
  jid = '';
  private waiters: Waiter[] = [];
  private handlers: Array<(stanza: Element) => void> = [];
  readonly received: Element[] = [];
  private closed: Promise<void>;

  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const text = data.toString();
      // Prosody sends whitespace keepalives between stanzas.
      if (text.trim() === '') return;
      const stanza = parse(text);
      this.received.push(stanza);
      for (const handler of this.handlers) handler(stanza);
      const waiter = this.waiters.find((candidate) => candidate.match(stanza));
      if (waiter) {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        waiter.resolve(stanza);
      }
    });
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
  }

  static async connect(options: ConnectOptions): Promise<XmppClient> {
    const url = new URL(options.url);
    if (options.room) url.searchParams.set('room', options.room);
    if (options.token) url.searchParams.set('token', options.token);
    const socket = new WebSocket(url, 'xmpp');
    const client = new XmppClient(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    try {
      let features = await client.openStream(options.domain);
      const mechanism = options.plain ? 'PLAIN' : 'ANONYMOUS';
      if (!features.getChild('mechanisms', SASL)?.getChildren('mechanism').some((m) => m.getText() === mechanism)) {
        throw new Error(`${mechanism} is not offered: ${features.toString()}`);
      }
      const payload = options.plain ? Buffer.from(`\0${options.plain.username}\0${options.plain.password}`).toString('base64') : '';
      const answer = client.waitFor((s) => s.is('success', SASL) || s.is('failure', SASL));
      client.send(`<auth xmlns='${SASL}' mechanism='${mechanism}'>${payload}</auth>`);
      const outcome = await answer;
      if (outcome.is('failure')) {
        const condition = outcome.children.find((child): child is Element => typeof child !== 'string' && child.name !== 'text');
        throw new SaslFailure(`${condition?.name ?? 'unknown'}: ${outcome.getChildText('text') ?? ''}`);
      }
      features = await client.openStream(options.domain);
      if (!features.getChild('bind', BIND)) throw new Error('no resource binding offered');
      const bound = await client.iq(`<iq type='set' id='ID'><bind xmlns='${BIND}'/></iq>`);
      client.jid = bound.getChild('bind', BIND)?.getChildText('jid') ?? '';
      return client;
    } catch (error) {
      client.drop();
      throw error;
    }
  }

  private async openStream(domain: string): Promise<Element> {
    const features = this.waitFor((s) => s.name === 'stream:features' || s.name === 'features');
    this.send(`<open xmlns='${FRAMING}' to='${escapeXML(domain)}' version='1.0'/>`);
    return features;
  }

  send(xml: string): void {
    // RFC 7395: each stanza carries its namespace, there is no enclosing stream element.
    this.socket.send(xml.replace(/^<(iq|presence|message)(?=[\s/>])/, "<$1 xmlns='jabber:client'"));
  }

  onStanza(handler: (stanza: Element) => void): void {
    this.handlers.push(handler);
  }

  /** Resolves with the first stanza, from now on, that matches; rejects after WAIT_MS. */
  waitFor(match: (stanza: Element) => boolean, timeoutMs = WAIT_MS): Promise<Element> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((waiter) => waiter.resolve !== done);
        reject(new Error('timed out waiting for a stanza'));
      }, timeoutMs);
      const done = (stanza: Element) => {
        clearTimeout(timer);
        resolve(stanza);
      };
      this.waiters.push({ match, resolve: done });
    });
  }

  /** Sends an iq (its id attribute 'ID' is replaced) and resolves with the result, rejecting on an error. */
  async iq(xml: string): Promise<Element> {
    const id = randomBytes(6).toString('hex');
    const reply = this.waitFor((s) => s.is('iq') && s.attrs.id === id && (s.attrs.type === 'result' || s.attrs.type === 'error'));
    this.send(xml.replace("id='ID'", `id='${id}'`));
    const answer = await reply;
    if (answer.attrs.type === 'error') throw new Error(`iq error: ${answer.toString()}`);
    return answer;
  }

  /** A clean goodbye: the server sees the stream closed. */
  async close(): Promise<void> {
    if (this.socket.readyState === WebSocket.OPEN) this.send(`<close xmlns='${FRAMING}'/>`);
    this.socket.close();
    await this.closed;
  }

  /** The connection dies: no unavailable presence, no stream close, the TCP socket just goes. */
  drop(): void {
    this.socket.terminate();
  }

  get isClosed(): boolean {
    return this.socket.readyState === WebSocket.CLOSED;
  }
}

export interface JoinOutcome {
  ok: boolean;
  presence: Element;
  affiliation?: string;
  role?: string;
  /** On an error presence: the condition, e.g. registration-required for a lobby. */
  error?: string;
}

/** Joins room@muc/nick with a display name (the lobby refuses a presence without one). */
export async function joinRoom(client: XmppClient, roomJid: string, nick: string, displayName: string): Promise<JoinOutcome> {
  const occupantJid = `${roomJid}/${nick}`;
  const answer = client.waitFor(
    (s) =>
      s.is('presence') &&
      s.attrs.from === occupantJid &&
      (s.attrs.type === 'error' || (s.getChild('x', MUC_USER)?.getChildren('status').some((status) => status.attrs.code === '110') ?? false)),
  );
  client.send(
    `<presence to='${escapeXML(occupantJid)}'><x xmlns='${MUC}'/><nick xmlns='http://jabber.org/protocol/nick'>${escapeXML(displayName)}</nick></presence>`,
  );
  const presence = await answer;
  if (presence.attrs.type === 'error') {
    const error = presence.getChild('error');
    const condition = error?.children.find((child): child is Element => typeof child !== 'string' && child.name !== 'text');
    return { ok: false, presence, error: condition?.name ?? 'unknown' };
  }
  const item = presence.getChild('x', MUC_USER)?.getChild('item');
  return { ok: true, presence, affiliation: item?.attrs.affiliation, role: item?.attrs.role };
}

export { Element };
