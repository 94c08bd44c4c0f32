import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { deliveryKey, type DeadLetter, type PendingDelivery } from './engine';
import { parseWebhookEvent } from './envelope';

// The local server's webhook state in DATA_DIR: one small file per (event, url), written by
// rename so a crash leaves the old or the new file, never half of one. One file each also lets
// `npm run webhooks -- replay` add work while the server runs without either overwriting the other.

export interface LocalWebhookStore {
  readonly dir: string;
  putPending(delivery: PendingDelivery): Promise<void>;
  removePending(delivery: PendingDelivery): Promise<void>;
  listPending(): Promise<PendingDelivery[]>;
  putDeadLetter(record: DeadLetter): Promise<void>;
  removeDeadLetter(record: DeadLetter): Promise<void>;
  listDeadLetters(): Promise<DeadLetter[]>;
}

export const webhooksDir = (dataDir: string) => join(dataDir, 'webhooks');

export function localWebhookStore(dataDir: string): LocalWebhookStore {
  const dir = webhooksDir(dataDir);
  const pendingDir = join(dir, 'pending');
  const deadDir = join(dir, 'dead-letters');
  const fileFor = (base: string, record: PendingDelivery) => join(base, `${deliveryKey(record.event.id, record.url)}.json`);

  async function write(base: string, record: PendingDelivery): Promise<void> {
    await mkdir(base, { recursive: true });
    const file = fileFor(base, record);
    const temporary = `${file}.${randomBytes(4).toString('hex')}.tmp`;
    await writeFile(temporary, JSON.stringify(record));
    await rename(temporary, file);
  }

  async function list<T extends PendingDelivery>(base: string): Promise<T[]> {
    let names: string[];
    try {
      names = await readdir(base);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const records: (T | undefined)[] = await Promise.all(
      names
        .filter((name) => name.endsWith('.json'))
        .map(async (name): Promise<T | undefined> => {
          try {
            const record = JSON.parse(await readFile(join(base, name), 'utf8')) as T;
            return { ...record, event: parseWebhookEvent(record.event) } as T;
          } catch {
            // Removed by another process between readdir and read, or not ours: skip it.
            return undefined;
          }
        }),
    );
    return records.filter((record): record is T => record !== undefined).sort((a, b) => a.due_at.localeCompare(b.due_at));
  }

  return {
    dir,
    putPending: (delivery) => write(pendingDir, delivery),
    removePending: (delivery) => rm(fileFor(pendingDir, delivery), { force: true }),
    listPending: () => list<PendingDelivery>(pendingDir),
    putDeadLetter: (record) => write(deadDir, record),
    removeDeadLetter: (record) => rm(fileFor(deadDir, record), { force: true }),
    listDeadLetters: () => list<DeadLetter>(deadDir),
  };
}
