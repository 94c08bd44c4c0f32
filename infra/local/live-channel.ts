import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { fanOut, roomMembersFromTable, type FanOutDeps, type FanOutResult } from '../../shared/live/fan-out';
import type { WebhookEvent } from '../../shared/webhooks/envelope';
import type { Authorize } from './authorizer';

// The live channel of the local server: `GET /api/live?token=<JWT>` upgraded with `ws`, the
// bearer checked by the same local authorizer as every HTTP route (401 before the upgrade), and
// events pushed by the same fanOut as the deployed consumer, over a registry kept in memory.

export const LIVE_PATH = '/api/live';

export interface LiveChannel {
  /** Hands one event to every connection it concerns (the local server calls it per event). */
  publish(event: WebhookEvent): Promise<FanOutResult>;
  /** Open connections of a user (tests and diagnostics). */
  connectionCount(userId: string): number;
  /** Takes an `upgrade` of the HTTP server; false when the path is not the channel's. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  close(): void;
}

function refuse(socket: Duplex, status: number, reason: string, body: { error: string; message: string }) {
  const json = JSON.stringify(body);
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(json)}\r\nconnection: close\r\n\r\n${json}`,
  );
}

export function createLiveChannel(options: {
  authorize: Authorize;
  roomMembers?: FanOutDeps['roomMembers'];
  log?: (line: string) => void;
}): LiveChannel {
  const server = new WebSocketServer({ noServer: true, maxPayload: 4 * 1024 });
  const sockets = new Map<string, { userId: string; socket: WebSocket }>();
  const byUser = new Map<string, Set<string>>();

  const forget = (connectionId: string) => {
    const entry = sockets.get(connectionId);
    if (!entry) return;
    sockets.delete(connectionId);
    const ids = byUser.get(entry.userId);
    ids?.delete(connectionId);
    if (ids?.size === 0) byUser.delete(entry.userId);
  };

  const register = (userId: string, socket: WebSocket) => {
    const connectionId = randomUUID();
    sockets.set(connectionId, { userId, socket });
    byUser.set(userId, (byUser.get(userId) ?? new Set()).add(connectionId));
    // The deployed channel answers `ping` on its $default route; clients use it to stay under the idle timeout.
    socket.on('message', (data, isBinary) => {
      if (!isBinary && data.toString() === 'ping') socket.send('pong');
    });
    socket.on('close', () => forget(connectionId));
    socket.on('error', () => forget(connectionId));
  };

  const deps: FanOutDeps = {
    roomMembers: options.roomMembers ?? roomMembersFromTable,
    connectionsOf: async (userId) => [...(byUser.get(userId) ?? [])],
    post: async (connectionId, payload) => {
      const entry = sockets.get(connectionId);
      if (!entry || entry.socket.readyState !== WebSocket.OPEN) return 'gone';
      await new Promise<void>((resolve, reject) => entry.socket.send(payload, (error) => (error ? reject(error) : resolve())));
      return 'sent';
    },
    remove: async (connectionId) => forget(connectionId),
  };

  return {
    publish: (event) => fanOut(event, deps),
    connectionCount: (userId) => byUser.get(userId)?.size ?? 0,
    handleUpgrade(request, socket, head) {
      const url = new URL(request.url ?? '/', 'http://127.0.0.1');
      if (url.pathname !== LIVE_PATH) return false;
      const token = url.searchParams.get('token');
      void options.authorize(token ? `Bearer ${token}` : undefined).then(
        (context) => {
          const userId = context?.claims.sub;
          if (!userId) {
            return refuse(socket, 401, 'Unauthorized', {
              error: 'unauthorized',
              message: 'The token query parameter is missing, malformed, invalid or expired.',
            });
          }
          server.handleUpgrade(request, socket, head, (ws) => register(userId, ws));
        },
        () => refuse(socket, 500, 'Internal Server Error', { error: 'internal_error', message: 'Something went wrong on our side.' }),
      );
      return true;
    },
    close() {
      for (const { socket } of sockets.values()) socket.terminate();
      sockets.clear();
      byUser.clear();
      server.close();
    },
  };
}
