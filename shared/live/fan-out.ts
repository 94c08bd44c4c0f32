import { loadParticipants } from '../db/participants';
import { keys, LIVE_CLASS_SHARDS } from '../db/keys';
import type { WebhookEvent } from '../webhooks/envelope';

// The live channel's one fan-out, deployed (EventBridge rule -> function, API Gateway Management
// API) and local (the local server's registry of `ws` sockets): who gets an event, their
// connections, a post to each, and the removal of a connection that is gone.

/** What a post found: delivered, or the connection no longer exists (API Gateway's 410). */
export type PostOutcome = 'sent' | 'gone';

export interface FanOutDeps {
  /** The users in the call or live class (anyone with a session, open or closed). */
  roomMembers(room: { callId?: string; liveClassId?: string }): Promise<string[]>;
  /** One lookup per user. */
  connectionsOf(userId: string): Promise<string[]>;
  post(connectionId: string, payload: string): Promise<PostOutcome>;
  remove(connectionId: string): Promise<void>;
}

export interface FanOutResult {
  users: string[];
  sent: number;
  gone: number;
  /** Posts that failed otherwise; the caller decides whether to retry the event. */
  failed: number;
}

const text = (value: unknown) => (typeof value === 'string' && value.length > 0 ? value : undefined);

/**
 * Who an event concerns (../shared/API.md, "Live channel"): the user it names (an invitee, a
 * joiner, a leaver), the invitees of a starting call, and everyone in the call or class it is
 * about. Nobody else.
 */
export async function audienceOf(event: WebhookEvent, roomMembers: FanOutDeps['roomMembers']): Promise<string[]> {
  const { data } = event;
  const users = new Set<string>();
  const named = text(data.user_id);
  if (named) users.add(named);
  if (Array.isArray(data.invited_user_ids)) {
    for (const invitee of data.invited_user_ids) if (text(invitee)) users.add(invitee as string);
  }
  const callId = text(data.call_id);
  const liveClassId = text(data.live_class_id);
  if (callId || liveClassId) {
    for (const member of await roomMembers({ ...(callId ? { callId } : {}), ...(liveClassId ? { liveClassId } : {}) })) users.add(member);
  }
  return [...users];
}

export async function fanOut(event: WebhookEvent, deps: FanOutDeps): Promise<FanOutResult> {
  const users = await audienceOf(event, deps.roomMembers);
  const payload = JSON.stringify(event);
  const connections = (await Promise.all(users.map((user) => deps.connectionsOf(user)))).flat();
  const outcomes = await Promise.all(
    connections.map(async (connectionId): Promise<PostOutcome | 'failed'> => {
      try {
        const outcome = await deps.post(connectionId, payload);
        if (outcome === 'gone') await deps.remove(connectionId);
        return outcome;
      } catch {
        return 'failed';
      }
    }),
  );
  const count = (wanted: string) => outcomes.filter((outcome) => outcome === wanted).length;
  return { users, sent: count('sent'), gone: count('gone'), failed: count('failed') };
}

const shards = Array.from({ length: LIVE_CLASS_SHARDS }, (_, shard) => shard);

/** The engine's participant items of a call (its partition) or a class (all shards in parallel). */
export async function roomMembersFromTable(room: { callId?: string; liveClassId?: string }): Promise<string[]> {
  const partitions = [
    ...(room.callId ? [keys.callPartition(room.callId)] : []),
    ...(room.liveClassId ? shards.map((shard) => keys.liveClassShardPartition(room.liveClassId as string, shard)) : []),
  ];
  const participants = (await Promise.all(partitions.map((partition) => loadParticipants(partition)))).flat();
  return [...new Set(participants.map((participant) => participant.user_id))];
}
