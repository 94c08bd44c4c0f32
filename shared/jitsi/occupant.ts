// event_sync reports an occupant's real JID (`<node>@<host>/<resource>`), but
// mod_muc_kick_participant wants its MUC nick. Jitsi's web client (lib-jitsi-meet) joins
// with the first 8 characters of its JID's node as nick, and a token user's node is a
// UUID that mod_auth_token generated: 8 hex characters.
const TOKEN_USER_NODE = /^([0-9a-f]{8})[0-9a-f-]*@[^/@]+(\/.*)?$/i;

/** The occupant's MUC nick, or undefined when the JID is not one lib-jitsi-meet derives a nick from. */
export function nickFromOccupantJid(occupantJid: string): string | undefined {
  const match = TOKEN_USER_NODE.exec(occupantJid);
  return match?.[1];
}
