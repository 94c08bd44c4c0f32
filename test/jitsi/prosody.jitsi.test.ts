import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getConfig } from '../../shared/config';
import { mintTokenFor } from '../../shared/domain/join-info';
import type { Caller } from '../../shared/http/auth';
import { jitsiHttpApiFromConfig, mucDomainOf, type JitsiHttpApi } from '../../shared/jitsi/http-api';
import { nickFromOccupantJid } from '../../shared/jitsi/occupant';
import { publicKeyFileName } from '../../shared/jitsi/system-token';
import { NO_FEATURES, type JitsiRole } from '../../shared/jitsi/token';
import { getSecretsProvider } from '../../shared/secrets/provider';
import { requestConference } from './focus';
import { PLUGINS_HELP } from './prosody';
import { startJitsiStack, type JitsiStack, type TappedRequest } from './stack';
import { joinRoom, MUC_USER, SaslFailure, XmppClient } from './xmpp-client';

const pluginsRoot = process.env.JITSI_PROSODY_PLUGINS;
if (!pluginsRoot) throw new Error(PLUGINS_HELP);

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'jitsi-events');
const host: JitsiRole = { kind: 'host', features: { ...NO_FEATURES, recording: true } };
const member: JitsiRole = { kind: 'member', features: NO_FEATURES };
const student: JitsiRole = { kind: 'lobby-member', features: NO_FEATURES };

const config = getConfig();
const domain = config.JITSI_DOMAIN;
const muc = mucDomainOf(config);
let stack: JitsiStack;
let jitsi: JitsiHttpApi;
const clients: XmppClient[] = [];

// Prosody talks to the real local server, which shares this process's DATA_DIR: the system key
// made here (before the server starts) is the one it serves, so this process's system tokens,
// signed by the service's own code, are checked against the served key.
beforeAll(async () => {
  await getSecretsProvider().jitsiSystemKey();
  stack = await startJitsiStack({
    pluginsRoot,
    dataDir: config.DATA_DIR,
    domain,
    appId: config.JITSI_APP_ID,
    audience: config.JITSI_JWT_AUDIENCE,
    jwtSecret: config.JITSI_JWT_SECRET ?? '',
    systemKid: config.JITSI_SYSTEM_KID,
  });
  jitsi = jitsiHttpApiFromConfig({ ...config, JITSI_INTERNAL_URL: stack.prosody.httpUrl }, getSecretsProvider()) as JitsiHttpApi;
}, 120_000);

afterAll(async () => {
  for (const client of clients) client.drop();
  await stack?.stop();
  // The local server kept its DynamoDB Local files there.
  rmSync(config.DATA_DIR, { recursive: true, force: true });
}, 60_000);

const person = (userId: string, name: string): Caller => ({ userId, name, email: `${userId}@example.com`, roles: new Set(), isAdmin: false });
const newRoom = () => `room-${randomBytes(8).toString('hex')}`;

/** What Jitsi's web client does with the service's join info: log in with the token, ask focus, join. */
async function joinAs(caller: Caller, role: JitsiRole, room: string, nowMs = Date.now()) {
  const { token } = await mintTokenFor(caller, room, role, nowMs);
  const client = await XmppClient.connect({ url: stack.prosody.websocketUrl, domain: `token.${domain}`, token, room });
  clients.push(client);
  const roomJid = `${room}@${muc}`;
  await requestConference(client, domain, roomJid);
  const nick = nickFromOccupantJid(client.jid);
  if (!nick) throw new Error(`no nick derivable from ${client.jid}`);
  const outcome = await joinRoom(client, roomJid, nick, caller.name ?? caller.userId);
  return { client, nick, roomJid, ...outcome };
}

const removedFrom = (client: XmppClient, occupantJid: string) =>
  client.waitFor((s) => s.is('presence') && s.attrs.type === 'unavailable' && s.attrs.from === occupantJid);

describe('Jitsi with the shipped Prosody configuration', () => {
  it('makes a host owner and moderator, and a member a member and participant', async () => {
    const room = newRoom();
    const alice = await joinAs(person('alice', 'Alice'), host, room);
    const bob = await joinAs(person('bob', 'Bob'), member, room);
    expect(alice).toMatchObject({ ok: true, affiliation: 'owner', role: 'moderator' });
    expect(bob).toMatchObject({ ok: true, affiliation: 'member', role: 'participant' });
  });

  it('sends a live-class student to the lobby and lets the host bypass it', async () => {
    const room = newRoom();
    const sam = await joinAs(person('sam', 'Sam'), student, room);
    expect(sam).toMatchObject({ ok: false, error: 'registration-required' });
    expect(sam.presence.getChild('error')?.getChildText('lobbyroom', 'http://jitsi.org/jitmeet')).toMatch(new RegExp(`^${room}@lobby\\.${domain.replaceAll('.', '\\.')}$`));
    const tina = await joinAs(person('tina', 'Tina'), host, room);
    expect(tina).toMatchObject({ ok: true, affiliation: 'owner', role: 'moderator' });
  });

  it('refuses an expired token at login', async () => {
    const expiredAt = Date.now() - (config.JITSI_TOKEN_TTL_SECONDS + 5) * 1000;
    const attempt = joinAs(person('late', 'Late'), member, newRoom(), expiredAt);
    await expect(attempt).rejects.toBeInstanceOf(SaslFailure);
    await expect(attempt).rejects.toThrow(/not-allowed/);
  });

  it('removes everyone when the system token ends the meeting', async () => {
    const room = newRoom();
    const alice = await joinAs(person('alice', 'Alice'), host, room);
    const bob = await joinAs(person('bob', 'Bob'), member, room);
    const aliceOut = removedFrom(alice.client, `${alice.roomJid}/${alice.nick}`);
    const bobOut = removedFrom(bob.client, `${bob.roomJid}/${bob.nick}`);

    await expect(jitsi.endMeeting(room)).resolves.toEqual({ ok: true, status: 200 });
    const [aliceGone, bobGone] = await Promise.all([aliceOut, bobOut]);
    expect(aliceGone.getChild('x', MUC_USER)?.getChild('destroy')).toBeDefined();
    expect(bobGone.getChild('x', MUC_USER)?.getChild('destroy')).toBeDefined();
    // Prosody fetched the system key from the service's key route.
    expect(stack.tap.requests).toContainEqual(
      expect.objectContaining({ method: 'GET', path: `/api/jitsi/keys/${publicKeyFileName(config.JITSI_SYSTEM_KID)}`, status: 200 }),
    );
    await expect(jitsi.endMeeting(room)).resolves.toEqual({ ok: false, reason: 'not_found', status: 404 });
  });

  it('refuses an end-meeting signed with another key', async () => {
    const room = newRoom();
    await joinAs(person('alice', 'Alice'), host, room);
    const forged = jitsiHttpApiFromConfig({ ...config, JITSI_INTERNAL_URL: stack.prosody.httpUrl }, {
      ...getSecretsProvider(),
      jitsiSystemKey: async () => ({ ...(await getSecretsProvider().jitsiSystemKey()), kid: 'unknown-kid' }),
    });
    await expect(forged?.endMeeting(room)).resolves.toEqual({ ok: false, reason: 'rejected', status: 401 });
  });

  it('kicks the occupant whose nick is derived from its JID, and only that one', async () => {
    const room = newRoom();
    const alice = await joinAs(person('alice', 'Alice'), host, room);
    const bob = await joinAs(person('bob', 'Bob'), member, room);
    const bobOccupant = `${bob.roomJid}/${bob.nick}`;
    const bobKicked = removedFrom(bob.client, bobOccupant);
    const aliceSeesBobGo = removedFrom(alice.client, bobOccupant);

    await expect(jitsi.kickParticipant(room, nickFromOccupantJid(bob.client.jid) ?? '')).resolves.toEqual({ ok: true, status: 200 });
    const kicked = await bobKicked;
    expect(kicked.getChild('x', MUC_USER)?.getChildren('status').map((status) => status.attrs.code)).toContain('307');
    await aliceSeesBobGo;
    expect(alice.client.received.some((s) => s.is('presence') && s.attrs.type === 'unavailable' && s.attrs.from === `${alice.roomJid}/${alice.nick}`)).toBe(false);
  });

  it('posts room and occupant events to the API, including a dropped connection as left', async () => {
    const room = newRoom();
    const forRoom = (path: string, extra: (event: TappedRequest) => boolean = () => true) => (event: TappedRequest) =>
      event.path === `/api/jitsi/events/${path}` && event.body?.room_name === room && extra(event);
    const alice = await joinAs(person('alice', 'Alice'), host, room);
    const bob = await joinAs(person('bob', 'Bob'), member, room);
    const occupantId = (id: string) => (event: TappedRequest) => (event.body?.occupant as { id?: string } | undefined)?.id === id;

    const created = await stack.tap.waitFor(forRoom('room/created'));
    const joined = await stack.tap.waitFor(forRoom('occupant/joined', occupantId('bob')));
    bob.client.drop();
    const left = await stack.tap.waitFor(forRoom('occupant/left', occupantId('bob')));
    await alice.client.close();
    const destroyed = await stack.tap.waitFor(forRoom('room/destroyed'));

    // Each carries the events secret, and the service acknowledges a room that is none of its calls (204, ignored).
    for (const event of [created, joined, left, destroyed]) expect(event).toMatchObject({ authorized: true, status: 204 });
    expect(created.body).toMatchObject({ event_name: 'muc-room-created', room_jid: `${room}@${muc}`, is_breakout: false });
    expect(joined.body).toMatchObject({
      event_name: 'muc-occupant-joined',
      occupant: { id: 'bob', name: 'Bob', email: 'bob@example.com', occupant_jid: bob.client.jid },
    });
    expect(nickFromOccupantJid(String((joined.body?.occupant as { occupant_jid: string }).occupant_jid))).toBe(bob.nick);
    expect(left.body).toMatchObject({ event_name: 'muc-occupant-left', occupant: { id: 'bob', occupant_jid: bob.client.jid } });
    const leftOccupant = left.body?.occupant as { joined_at: number; left_at: number };
    expect(leftOccupant.left_at).toBeGreaterThanOrEqual(leftOccupant.joined_at);
    expect(destroyed.body).toMatchObject({ event_name: 'muc-room-destroyed', room_name: room });
    expect((destroyed.body?.all_occupants as Array<{ id?: string }>).map((occupant) => occupant.id).sort()).toEqual(['alice', 'bob']);

    const recorded = { 'room-created': created, 'occupant-joined': joined, 'occupant-left': left, 'room-destroyed': destroyed };
    for (const [name, event] of Object.entries(recorded)) {
      const file = join(FIXTURES, `${name}.json`);
      if (process.env.JITSI_WRITE_FIXTURES === '1') {
        mkdirSync(FIXTURES, { recursive: true });
        writeFileSync(file, `${JSON.stringify({ path: event.path, body: event.body }, null, 2)}\n`);
      }
      // The fixtures the presence routes are tested with keep the exact shape event_sync posts.
      const fixture = JSON.parse(readFileSync(file, 'utf8')) as { path: string; body: Record<string, unknown> };
      expect(fixture.path).toBe(event.path);
      expect(shapeOf(fixture.body)).toEqual(shapeOf(event.body));
    }
  });
});

function shapeOf(value: unknown): unknown {
  if (Array.isArray(value)) return value.length ? [shapeOf(value[0])] : [];
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, shapeOf(inner)]).sort());
  return typeof value;
}
