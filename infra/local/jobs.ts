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
  return handler(scheduledEvent(id), { functionName: id, awsRequestId: crypto.randomUUID(), getRemainingTimeInMillis: () => 30_000 } as unknown as Context);
}

export async function startLocalJobs({ log }: { log: (line: string) => void }): Promise<{ stop(): void }> {
  const intervalMs = getConfig().PROBE_INTERVAL_SECONDS * 1000;
  const timers: NodeJS.Timeout[] = [];
  for (const job of schedules) {
    const run = () =>
      runJobOnce(job.id).catch((error: Error) => log(`scheduled job ${job.id} failed: ${error.message}`));
    void run();
    const timer = setInterval(run, (job.rateMinutes ? job.rateMinutes * 60_000 : intervalMs));
    timer.unref();
    timers.push(timer);
  }
  return { stop: () => timers.forEach((timer) => clearInterval(timer)) };
}
