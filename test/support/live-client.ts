import { WebSocket } from 'ws';

// A live-channel client for tests: every text frame queued, awaited one at a time.

export interface LiveClient {
  socket: WebSocket;
  next(): Promise<any>;
  /** Frames received and not yet taken by next(). */
  pending(): unknown[];
  close(): Promise<void>;
}

export function liveUrl(baseUrl: string, token: string) {
  return `${baseUrl.replace(/^http/, 'ws')}/api/live?token=${encodeURIComponent(token)}`;
}

export async function openLive(baseUrl: string, token: string): Promise<LiveClient> {
  const socket = new WebSocket(liveUrl(baseUrl, token));
  const queued: unknown[] = [];
  const waiting: ((value: unknown) => void)[] = [];
  socket.on('message', (data) => {
    const text = data.toString();
    const value = text === 'pong' ? text : JSON.parse(text);
    const waiter = waiting.shift();
    if (waiter) waiter(value);
    else queued.push(value);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('unexpected-response', (_request, response) => reject(new Error(`refused with ${response.statusCode}`)));
    socket.once('error', reject);
  });
  return {
    socket,
    next: () => (queued.length ? Promise.resolve(queued.shift()) : new Promise((resolve) => waiting.push(resolve))),
    pending: () => [...queued],
    close: () =>
      new Promise<void>((resolve) => {
        if (socket.readyState === WebSocket.CLOSED) return resolve();
        socket.once('close', () => resolve());
        socket.close();
      }),
  };
}

/** The HTTP status of a refused upgrade, with its body. */
export function refusedUpgrade(url: string): Promise<{ status: number; body: string; upgraded: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    socket.once('open', () => {
      socket.close();
      resolve({ status: 101, body: '', upgraded: true });
    });
    socket.once('unexpected-response', (_request, response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body, upgraded: false }));
    });
    socket.once('error', (error) => reject(error));
  });
}
