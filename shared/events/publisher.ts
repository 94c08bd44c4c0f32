import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { getConfig } from '../config';
import { MetricName } from '../observability/metric-names';
import { logger } from '../observability/logger';
import { countMetric } from '../observability/metrics';

export const EVENT_SOURCE = 'jitsi-calls';

export interface CallStartedDetail {
  call_id: string;
  thread_id: string;
  call_type: 'audio' | 'video';
  initiator_id: string;
  started_at: string;
  /** Thread members to notify: everyone but the initiator. */
  ring_user_ids: string[];
}

export interface CallEndedDetail {
  call_id: string;
  thread_id: string;
  call_type: 'audio' | 'video';
  /** null when the service ended it (`room_empty`, `expired`). */
  ended_by: string | null;
  end_reason: 'ended' | 'room_empty' | 'expired';
  started_at: string;
  ended_at: string;
  duration_seconds: number;
}

export type CallEvent = { detailType: 'CallStarted'; detail: CallStartedDetail } | { detailType: 'CallEnded'; detail: CallEndedDetail };

let eventBridge: EventBridgeClient | undefined;

export function localEventsFile(): string {
  const config = getConfig();
  return config.EVENTS_FILE ?? join(config.DATA_DIR, 'events.jsonl');
}

async function put(event: CallEvent): Promise<void> {
  const config = getConfig();
  if (config.EVENTS_MODE === 'local') {
    const file = localEventsFile();
    await mkdir(dirname(file), { recursive: true });
    const record = { source: EVENT_SOURCE, 'detail-type': event.detailType, time: new Date().toISOString(), detail: event.detail };
    await appendFile(file, `${JSON.stringify(record)}\n`);
    logger.info('event published', { detail_type: event.detailType, call_id: event.detail.call_id });
    return;
  }
  eventBridge ??= new EventBridgeClient({ region: config.AWS_REGION, maxAttempts: 3 });
  const result = await eventBridge.send(
    new PutEventsCommand({
      Entries: [
        { EventBusName: config.EVENT_BUS_NAME, Source: EVENT_SOURCE, DetailType: event.detailType, Detail: JSON.stringify(event.detail) },
      ],
    }),
  );
  if (result.FailedEntryCount) throw new Error(`PutEvents rejected the entry: ${result.Entries?.[0]?.ErrorCode ?? 'unknown'}`);
}

/**
 * Publishes after the call is committed. A failure is logged and counted (its own alarm), not
 * returned to the caller: the call exists, and the initiator must still get its join info.
 */
export async function publishCallEvent(event: CallEvent): Promise<void> {
  try {
    await put(event);
  } catch (error) {
    logger.error('event publish failed', { detail_type: event.detailType, call_id: event.detail.call_id, error });
    countMetric(MetricName.EventPublishFailed);
  }
}
