import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

// A crowd of handlers in one process shares one client. Unbounded, a thousand requests queue
// inside the HTTP agent (50 sockets) with their connection and request timers already running,
// so under a loaded machine the tail times out and answers 503: a failure of the harness, not
// of the design. On Lambda each join has its own container. Here at most `width` requests are
// handed to the HTTP handler at once; the rest wait before their timers start. Sitting inside
// the SDK's retry middleware, it also counts every attempt, so retries are visible.

export interface CrowdClient {
  /** HTTP attempts made (one per request, plus the SDK's retries). */
  attempts: number;
  /** Requests sent (what the attempts were for). */
  requests: number;
  restore(): void;
}

const name = 'crowdLimiter';

export function crowdClient(client: DynamoDBClient, width = 32): CrowdClient {
  const waiting: (() => void)[] = [];
  let active = 0;
  const acquire = () => (active < width ? (active++, Promise.resolve()) : new Promise<void>((resolve) => waiting.push(resolve)));
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else active--;
  };
  const handler = client.config.requestHandler as { updateHttpClientConfig?: (key: string, value: number) => void };
  if (!handler.updateHttpClientConfig) throw new Error('the DynamoDB client has no Node HTTP handler to configure');
  // A request waits for its turn before the handler starts its timers; once sent, a loaded
  // DynamoDB Local may still answer slowly, which the requestTimeout would only log.
  handler.updateHttpClientConfig('requestTimeout', 0);
  handler.updateHttpClientConfig('connectionTimeout', 10_000);
  const crowd: CrowdClient = {
    attempts: 0,
    requests: 0,
    restore: () => {
      client.middlewareStack.remove(name);
      client.middlewareStack.remove(`${name}Requests`);
      handler.updateHttpClientConfig?.('requestTimeout', 3_000);
      handler.updateHttpClientConfig?.('connectionTimeout', 1_000);
    },
  };
  client.middlewareStack.add(
    (next) => async (args) => {
      crowd.requests++;
      return next(args);
    },
    { step: 'initialize', name: `${name}Requests` },
  );
  client.middlewareStack.add(
    (next) => async (args) => {
      await acquire();
      crowd.attempts++;
      try {
        return await next(args);
      } finally {
        release();
      }
    },
    { step: 'finalizeRequest', priority: 'low', name },
  );
  return crowd;
}

/** Failed answers grouped as `count x status code`, so a failure says what it was. */
export function failureSummary(responses: { status: number; body?: { error?: string } }[], ok = 200): string[] {
  const counts = new Map<string, number>();
  for (const response of responses.filter((candidate) => candidate.status !== ok)) {
    const reason = `${response.status} ${response.body?.error ?? ''}`.trim();
    counts.set(reason, (counts.get(reason) ?? 0) + 1);
  }
  return [...counts].map(([reason, count]) => `${count}x ${reason}`);
}
