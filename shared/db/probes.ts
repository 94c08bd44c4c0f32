import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import * as z from 'zod/mini';
import { StoredProbeResultSchema } from '../schemas/health';
import { dynamo, isConditionFailure, send, tableName, toAttributes, toValues } from './client';
import { getItem } from './items';
import { keys } from './keys';

// The probe-result repository: one item per component, overwritten each run, gone by TTL if the
// probes stop (the health route answers `unknown` long before that).

export type StoredProbeResult = z.output<typeof StoredProbeResultSchema>;

export const probeStore = {
  /** Puts the result unless a newer one is there already: false when a later run's result stays. */
  async saveIfNewer(result: StoredProbeResult, expiresAt: number): Promise<boolean> {
    try {
      await send(
        dynamo().send(
          new PutItemCommand({
            TableName: tableName(),
            Item: toAttributes({
              ...keys.probeResult(result.component),
              component: result.component,
              status: result.status,
              checked_at: result.checked_at,
              latency_ms: result.latency_ms,
              checks: result.checks,
              expires_at: expiresAt,
            }),
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
  },
  /** The stored result, `undefined` when there is none, `'unreadable'` when the item fails its schema. */
  async latest(component: string): Promise<StoredProbeResult | 'unreadable' | undefined> {
    const item = await getItem<unknown>(keys.probeResult(component));
    if (item === undefined) return undefined;
    const parsed = z.safeParse(StoredProbeResultSchema, item);
    return parsed.success ? parsed.data : 'unreadable';
  },
};
