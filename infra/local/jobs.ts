import { resolve } from 'node:path';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { schedules } from '../schedules';
import { getConfig } from '../../shared/config';

// The scheduled functions (health probes) run locally through the same handlers: once at start,
// then every PROBE_INTERVAL_SECONDS, as EventBridge would call them.

type ScheduledHandler = (event: ScheduledEvent, context: Context) => Promise<unknown>;

function scheduledEvent(id: string): ScheduledEvent {
  return {
    version: '0',
    id: crypto.randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: 'local',
    time: new Date().toISOString(),
    region: 'local',
    resources: [`local:rule/${id}`],
    detail: {},
  } as ScheduledEvent;
}

export async function runJobOnce(id: string): Promise<unknown> {
  const job = schedules.find((candidate) => candidate.id === id);
  if (!job) throw new Error(`no scheduled job ${id}`);
  const { handler } = (await import(resolve(job.entry))) as { handler: ScheduledHandler };
  return handler(scheduledEvent(id), {
    functionName: id,
    awsRequestId: crypto.randomUUID(),
    getRemainingTimeInMillis: () => 30_000,
  } as unknown as Context);
}

export async function startLocalJobs({ log }: { log: (line: string) => void }): Promise<{ stop(): void }> {
  const intervalMs = getConfig().PROBE_INTERVAL_SECONDS * 1000;
  const timers: NodeJS.Timeout[] = [];
  for (const job of schedules) {
    let running = false;
    const run = () => {
      // A run that outlasts the interval is not stacked with another (EventBridge would; locally it only adds noise).
      if (running) return;
      running = true;
      // Through a then() so a synchronous throw is caught too: a job must never take the server down.
      // The message only: the handlers' own errors name settings, never their values.
      void Promise.resolve()
        .then(() => runJobOnce(job.id))
        .catch((error: unknown) => log(`scheduled job ${job.id} failed: ${error instanceof Error ? error.message : 'unknown error'}`))
        .finally(() => (running = false));
    };
    run();
    const timer = setInterval(run, job.rateMinutes ? job.rateMinutes * 60_000 : intervalMs);
    timer.unref();
    timers.push(timer);
  }
  return { stop: () => timers.forEach((timer) => clearInterval(timer)) };
}
