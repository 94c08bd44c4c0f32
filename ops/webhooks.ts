// npm run webhooks -- list | replay [--id <event id>]
// Lists or re-delivers webhooks from the dead-letter store. Locally (default): DATA_DIR/webhooks,
// and the running local server delivers a replay within a second (or at its next start).
// Deployed: pass --dead-letter-queue-url and --queue-url (the stack's WebhookDeadLetterQueueUrl and
// WebhookQueueUrl outputs) with AWS credentials allowed sqs:ReceiveMessage and sqs:DeleteMessage
// on the dead-letter queue and sqs:SendMessage on the delivery queue; the delivery function does the rest.

import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SQSClient } from '@aws-sdk/client-sqs';
import { getConfig } from '../shared/config';
import { redactUrl, replayed, type DeadLetter } from '../shared/webhooks/engine';
import { localWebhookStore } from '../shared/webhooks/local-store';
import { eventOf, readDeadLetterQueue, replayDeadLetter, type QueueItem } from '../shared/webhooks/sqs-delivery';

export interface WebhooksCliOptions {
  command: 'list' | 'replay';
  id?: string;
  dataDir?: string;
  queueUrl?: string;
  deadLetterQueueUrl?: string;
  out?: (line: string) => void;
}

const USAGE =
  'usage: npm run webhooks -- list | replay [--id <event id>] [--data-dir <dir>] [--dead-letter-queue-url <url> --queue-url <url>]';

export function parseArgs(argv: readonly string[]): WebhooksCliOptions {
  const [command, ...rest] = argv;
  if (command !== 'list' && command !== 'replay') throw new Error(USAGE);
  const options: WebhooksCliOptions = { command };
  const flags: Record<string, keyof WebhooksCliOptions> = {
    '--id': 'id',
    '--data-dir': 'dataDir',
    '--queue-url': 'queueUrl',
    '--dead-letter-queue-url': 'deadLetterQueueUrl',
  };
  for (let position = 0; position < rest.length; position += 2) {
    const key = flags[rest[position]!];
    const value = rest[position + 1];
    if (!key || value === undefined || value.startsWith('--')) throw new Error(USAGE);
    (options as unknown as Record<string, string>)[key] = value;
  }
  return options;
}

const describe = (record: Pick<DeadLetter, 'event' | 'url'> & Partial<DeadLetter>) =>
  [
    record.event.id,
    record.event.type,
    redactUrl(record.url),
    `attempts=${record.attempts ?? 0}`,
    `last_error=${record.last_error ?? '-'}`,
    `dead_lettered_at=${record.dead_lettered_at ?? '-'}`,
  ].join('  ');

function describeItem(item: QueueItem): string {
  if (item.kind === 'dead-letter') return describe(item.record);
  if (item.kind === 'delivery') return describe(item.pending);
  return describe({ event: item.event, url: '(every WEBHOOK_URLS entry)', last_error: 'not taken by the delivery queue' });
}

/** Returns how many dead letters were listed or replayed. */
export async function runWebhooksCli(options: WebhooksCliOptions): Promise<number> {
  const out = options.out ?? ((line: string) => console.log(line));
  const matches = (eventId: string) => options.id === undefined || options.id === eventId;

  if (options.deadLetterQueueUrl) {
    if (options.command === 'replay' && !options.queueUrl) throw new Error('replay from the dead-letter queue needs --queue-url too');
    const sqs = new SQSClient({ region: getConfig().AWS_REGION });
    const entries = (await readDeadLetterQueue(sqs, options.deadLetterQueueUrl)).filter((entry) => matches(eventOf(entry.item).id));
    for (const entry of entries) {
      out(describeItem(entry.item));
      if (options.command === 'replay') await replayDeadLetter(sqs, options.queueUrl!, options.deadLetterQueueUrl, entry);
    }
    out(`${entries.length} dead letter(s) ${options.command === 'replay' ? 'put back on the delivery queue' : 'listed'}`);
    return entries.length;
  }

  const store = localWebhookStore(options.dataDir ?? getConfig().DATA_DIR);
  const records = (await store.listDeadLetters()).filter((record) => matches(record.event.id));
  for (const record of records) {
    out(describe(record));
    if (options.command === 'replay') {
      // Pending first: a crash in between leaves a duplicate, never a loss.
      await store.putPending(replayed(record, Date.now()));
      await store.removeDeadLetter(record);
    }
  }
  out(
    `${records.length} dead letter(s) ${options.command === 'replay' ? `queued for delivery (the local server sends them within a second)` : 'listed'} from ${store.dir}`,
  );
  return records.length;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  try {
    const count = await runWebhooksCli(parseArgs(process.argv.slice(2)));
    if (count === 0 && process.argv.includes('--id')) process.exitCode = 1;
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 2;
  }
}
