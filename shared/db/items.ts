import {
  UpdateItemCommand,
  type UpdateItemCommandInput,
  BatchGetItemCommand,
  GetItemCommand,
  QueryCommand,
  type QueryCommandInput,
  TransactWriteItemsCommand,
  type AttributeValue,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import { AppError } from '../errors';
import { backoff, dynamo, fromAttributes, isConditionFailure, send, tableName, toAttributes, toValues, type Item } from './client';
import { keys, type ItemKey } from './keys';

// The reads and writes every entity repeats: one item, two items in one round trip, a whole
// partition; a conditional update; a transaction retried when it loses a race.

export const databaseBusy = () =>
  new AppError('dependency_unavailable', 'The database is busy, try again shortly.', { headers: { 'retry-after': '1' } });

export async function getItem<T>(key: ItemKey): Promise<T | undefined> {
  const result = await send(dynamo().send(new GetItemCommand({ TableName: tableName(), Key: toAttributes(key), ConsistentRead: true })));
  return result.Item ? fromAttributes<T>(result.Item) : undefined;
}

/** Every item a Query matches, all pages (the table's name is added here). */
export async function queryAllPages(input: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>): Promise<Item[]> {
  const items: Item[] = [];
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await send(dynamo().send(new QueryCommand({ ...input, TableName: tableName(), ExclusiveStartKey: startKey })));
    for (const item of page.Items ?? []) items.push(fromAttributes<Item>(item));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
}

/** Every item of a partition (optionally only sort keys with a prefix), all pages. */
export async function queryPartition<T>(pk: string, sortKeyPrefix?: string): Promise<T[]> {
  return (await queryAllPages({
    KeyConditionExpression: sortKeyPrefix === undefined ? 'pk = :pk' : 'pk = :pk AND begins_with(sk, :prefix)',
    ExpressionAttributeValues: toValues({ ':pk': pk, ...(sortKeyPrefix === undefined ? {} : { ':prefix': sortKeyPrefix }) }),
    ConsistentRead: true,
  })) as T[];
}

/** One TransactWriteItems call; cancellations reach the caller to be read with cancellationReasons. */
export const transactWrite = (items: TransactWriteItem[]) => send(dynamo().send(new TransactWriteItemsCommand({ TransactItems: items })));

/** A conditional UpdateItem: true if it was written, false if its condition did not hold. */
export async function updateIf(input: UpdateItemCommandInput): Promise<boolean> {
  try {
    await send(dynamo().send(new UpdateItemCommand(input)));
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/** Returned by an attempt that lost a race (a transaction conflict, or state changed since its read). */
export const RETRY = Symbol('retry');
export const MAX_ATTEMPTS = 6;

/**
 * Runs `attempt` until it returns a result, pausing (jittered) after each RETRY. Out of attempts,
 * the caller gets 503 dependency_unavailable with Retry-After: never a raw cancellation as a 500.
 */
export async function retryOnConflict<T>(attempt: () => Promise<T | typeof RETRY>, maxAttempts = MAX_ATTEMPTS): Promise<T> {
  for (let count = 0; count < maxAttempts; count++) {
    const result = await attempt();
    if (result !== RETRY) return result;
    if (count + 1 < maxAttempts) await backoff(count);
  }
  throw databaseBusy();
}

/** Up to 100 distinct items in one BatchGetItem (one round trip), answered in the order of `wanted`. */
export async function getItemsInOrder(wanted: ItemKey[]): Promise<(Item | undefined)[]> {
  const table = tableName();
  const result = await send(
    dynamo().send(
      new BatchGetItemCommand({ RequestItems: { [table]: { Keys: wanted.map((key) => toAttributes(key)), ConsistentRead: true } } }),
    ),
  );
  if (result.UnprocessedKeys?.[table]?.Keys?.length) throw databaseBusy();
  const found = (result.Responses?.[table] ?? []).map((attributes) => fromAttributes<Item>(attributes));
  return wanted.map((key) => found.find((item) => item.pk === key.pk && item.sk === key.sk));
}

/** Validates an item read from the table; a malformed item is a server fault (500), never cast through. */
export function parseItem<T>(schema: { parse(data: unknown): T }, item: Item | undefined): T | undefined {
  return item === undefined ? undefined : schema.parse(item);
}

/** One page of an index partition, from an optional exclusive start key. */
export async function queryIndexPage(input: {
  partition: string;
  limit: number;
  newestFirst: boolean;
  startKey?: Item | undefined;
}): Promise<{ items: Item[]; more: boolean }> {
  const page = await send(
    dynamo().send(
      new QueryCommand({
        TableName: tableName(),
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :partition',
        ExpressionAttributeValues: toValues({ ':partition': input.partition }),
        ScanIndexForward: !input.newestFirst,
        Limit: input.limit,
        ...(input.startKey ? { ExclusiveStartKey: toAttributes(input.startKey) } : {}),
      }),
    ),
  );
  return { items: (page.Items ?? []).map((item) => fromAttributes<Item>(item)), more: page.LastEvaluatedKey !== undefined };
}

/**
 * The sweeper's queue (gsi4): up to `limit` entries of one queue partition whose deadline is
 * before `now`, earliest first, in one Query. Each entry's sort key is `<deadline>#<id>`.
 */
export async function dueInSweepQueue(partition: string, now: string, limit: number): Promise<Item[]> {
  const page = await send(
    dynamo().send(
      new QueryCommand({
        TableName: tableName(),
        IndexName: 'gsi4',
        KeyConditionExpression: 'gsi4pk = :partition AND gsi4sk < :before',
        ExpressionAttributeValues: toValues({ ':partition': partition, ':before': keys.sweepBefore(now) }),
        Limit: limit,
      }),
    ),
  );
  return (page.Items ?? []).map((attributes) => fromAttributes<Item>(attributes));
}
