import { escapeXML } from 'ltx';
import { MUC, MUC_USER, XmppClient } from './xmpp-client';

// A stand-in for the part of jicofo a room needs: mod_token_verification refuses token users
// on room creation, so jicofo (a MUC admin) creates the room, joining it as "focus", when a
// client asks focus.<domain> for a conference; mod_muc_meeting_id holds every join until
// focus is in. mod_client_proxy forwards to jicofo only once it has seen jicofo's presence.
const FOCUS_NS = 'http://jitsi.org/protocol/focus';

export async function startFocus(options: { websocketUrl: string; domain: string; password: string }): Promise<XmppClient> {
  const client = await XmppClient.connect({
    url: options.websocketUrl,
    domain: `auth.${options.domain}`,
    plain: { username: 'focus', password: options.password },
  });
  client.send(`<presence/>`);
  client.send(`<presence to='focus.${options.domain}'/>`);
  // Like jicofo, leave a room once its last participant has gone, so that Prosody destroys it.
  const occupants = new Map<string, Set<string>>();
  client.onStanza((stanza) => {
    if (!stanza.is('presence') || !stanza.getChild('x', MUC_USER)) return;
    const [room = '', nick = ''] = (stanza.attrs.from ?? '').split('/');
    if (nick === 'focus') return;
    const inRoom = occupants.get(room) ?? new Set<string>();
    occupants.set(room, inRoom);
    if (stanza.attrs.type === 'unavailable') {
      inRoom.delete(nick);
      if (inRoom.size === 0) {
        occupants.delete(room);
        client.send(`<presence type='unavailable' to='${escapeXML(room)}/focus'/>`);
      }
    } else if (stanza.attrs.type !== 'error') inRoom.add(nick);
  });
  client.onStanza((stanza) => {
    const conference = stanza.is('iq') && stanza.attrs.type === 'set' ? stanza.getChild('conference', FOCUS_NS) : undefined;
    if (!conference) return;
    const room = conference.attrs.room ?? '';
    const joined = client.waitFor(
      (s) =>
        s.is('presence') &&
        s.attrs.from === `${room}/focus` &&
        (s.getChild('x', MUC_USER)?.getChildren('status').some((status) => status.attrs.code === '110') ?? false),
    );
    client.send(`<presence to='${escapeXML(room)}/focus'><x xmlns='${MUC}'/></presence>`);
    void joined.then(
      () =>
        client.send(
          `<iq type='result' id='${escapeXML(stanza.attrs.id ?? '')}' to='${escapeXML(stanza.attrs.from ?? '')}'><conference xmlns='${FOCUS_NS}' ready='true' room='${escapeXML(room)}' focusjid='focus@auth.${options.domain}'/></iq>`,
        ),
      () => client.send(`<iq type='error' id='${escapeXML(stanza.attrs.id ?? '')}' to='${escapeXML(stanza.attrs.from ?? '')}'><error type='wait'><internal-server-error xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>`),
    );
  });
  return client;
}

/** What lib-jitsi-meet does before joining: ask focus for the conference (the room is then created). */
export async function requestConference(client: XmppClient, domain: string, roomJid: string): Promise<void> {
  await client.iq(`<iq type='set' id='ID' to='focus.${domain}'><conference xmlns='${FOCUS_NS}' room='${escapeXML(roomJid)}' machine-uid='test'/></iq>`);
}
