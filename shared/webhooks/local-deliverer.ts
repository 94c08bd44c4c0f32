import { getConfig } from '../config';
import { deliveryKey, newPendingDeliveries, runDelivery, type DeliveryDeps, type PendingDelivery } from './engine';
import type { WebhookEvent } from './envelope';
import { localWebhookStore, type LocalWebhookStore } from './local-store';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './schedule';
import { getWebhookSecret } from './secret';

// The local server's webhook delivery: the same engine as the deployed function, with due
// retries kept in DATA_DIR so that a restart (or a SIGKILL) does not lose a pending delivery.

/**
 * Where events come from (the local outbox). The source calls `accept` for each event and may
 * mark the event handed over once the promise resolves: by then its deliveries are on disk.
 * It returns a function that stops the subscription.
 */
export type WebhookEventSource = (accept: (event: WebhookEvent) => Promise<void>) => () => void | Promise<void>;

export interface LocalDelivererOptions {
  source: WebhookEventSource;
  /** Defaults from the config: DATA_DIR, WEBHOOK_URLS, the signing secret, STAGE. */
  dataDir?: string;
  urls?: readonly string[];
  secret?: string;
  stage?: string;
  policy?: RetryPolicy;
  /** How often the store is re-read for work added by another process (a replay). */
  pollIntervalMs?: number;
  timeoutMs?: number;
  log?: (line: string) => void;
}

export interface LocalDeliverer {
  readonly store: LocalWebhookStore;
  /** Resolves when every delivery that was due has been attempted (tests and shutdown). */
  drain(): Promise<void>;
  stop(): Promise<void>;
}

export async function startWebhookDeliverer(options: LocalDelivererOptions): Promise<LocalDeliverer> {
  const config = getConfig();
  const urls = options.urls ?? config.WEBHOOK_URLS;
  const secret = options.secret ?? (urls.length > 0 ? await getWebhookSecret() : '');
  const store = localWebhookStore(options.dataDir ?? config.DATA_DIR);
  const pollIntervalMs = options.pollIntervalMs ?? 1_000;
  const log = options.log ?? (() => undefined);
  const deps: DeliveryDeps = {
    secret,
    stage: options.stage ?? config.STAGE,
    policy: options.policy ?? DEFAULT_RETRY_POLICY,
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
  };

  const inFlight = new Map<string, Promise<void>>();
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let ticking: Promise<void> | undefined;

  async function deliver(pending: PendingDelivery): Promise<void> {
    const result = await runDelivery(pending, deps);
    if (result.kind === 'delivered') await store.removePending(pending);
    else if (result.kind === 'retry') await store.putPending(result.next);
    else {
      // Dead letter first: a crash in between leaves a duplicate to replay, never a loss.
      await store.putDeadLetter(result.record);
      await store.removePending(pending);
      log(`webhook ${pending.event.id} dead-lettered after ${result.record.attempts} attempts`);
    }
  }

  async function tick(): Promise<void> {
    const now = Date.now();
    let nextDue = now + pollIntervalMs;
    for (const pending of await store.listPending()) {
      const key = deliveryKey(pending.event.id, pending.url);
      const due = Date.parse(pending.due_at);
      if (inFlight.has(key)) continue;
      if (due > now) {
        nextDue = Math.min(nextDue, due);
        continue;
      }
      const work = deliver(pending)
        .catch((error: unknown) => log(`webhook delivery bookkeeping failed: ${error instanceof Error ? error.message : 'unknown error'}`))
        .finally(() => {
          inFlight.delete(key);
          wake();
        });
      inFlight.set(key, work);
    }
    schedule(Math.max(0, nextDue - Date.now()));
  }

  function schedule(delayMs: number): void {
    if (stopped) return;
    clearTimeout(timer);
    timer = setTimeout(wake, delayMs);
    timer.unref();
  }

  function wake(): void {
    if (stopped || ticking) return;
    ticking = tick()
      .catch((error: unknown) => {
        log(`webhook store unreadable: ${error instanceof Error ? error.message : 'unknown error'}`);
        schedule(pollIntervalMs);
      })
      .finally(() => (ticking = undefined));
  }

  const unsubscribe = options.source(async (event) => {
    if (urls.length === 0 || stopped) return;
    await Promise.all(newPendingDeliveries(event, urls, Date.now()).map((pending) => store.putPending(pending)));
    wake();
  });
  wake();

  return {
    store,
    async drain() {
      await ticking;
      await Promise.all(inFlight.values());
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await unsubscribe();
      await ticking;
      await Promise.all(inFlight.values());
    },
  };
}
