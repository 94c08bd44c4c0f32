import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import * as z from 'zod/mini';
import { dynamo, isConditionFailure, send, tableName, toAttributes, toValues } from '../db/client';
import { getItem } from '../db/items';
import { keys } from '../db/keys';
import { StoredProbeResultSchema } from '../schemas/health';
import type { ProbeComponent, ProbeResult } from './types';

// The last probe result per component: one item, overwritten each run, gone by TTL if the
// probes stop (the health route answers `unknown` long before that).

/** Long enough to read what the last result said after an outage of the probes themselves. */
export const PROBE_RESULT_TTL_SECONDS = 3 * 24 * 3600;

export type StoredProbeResult = z.output<typeof StoredProbeResultSchema>;

/** Stores a result unless a newer one is there already (a slow run must not overwrite a later one). */
export async function saveProbeResult(result: ProbeResult): Promise<boolean> {
  const item = {
    ...keys.probeResult(result.component),
    component: result.component,
    status: result.status,
    checked_at: result.checked_at,
    latency_ms: result.latency_ms,
    checks: result.checks,
    expires_at: Math.floor(Date.parse(result.checked_at) / 1000) + PROBE_RESULT_TTL_SECONDS,
  };
  try {
    await send(
      dynamo().send(
        new PutItemCommand({
          TableName: tableName(),
          Item: toAttributes(item),
          ConditionExpression: 'attribute_not_exists(pk) OR checked_at < :checked_at',
          ExpressionAttributeValues: toValues({ ':checked_at': result.checked_at }),
        }),
      ),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/** The stored result, `undefined` when there is none, `'unreadable'` when the item fails its schema. */
export async function latestProbeResult(component: ProbeComponent): Promise<StoredProbeResult | 'unreadable' | undefined> {
  const item = await getItem<unknown>(keys.probeResult(component));
  if (item === undefined) return undefined;
  const parsed = z.safeParse(StoredProbeResultSchema, item);
  return parsed.success ? parsed.data : 'unreadable';
}
