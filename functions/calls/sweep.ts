import type { ScheduledEvent } from 'aws-lambda';
import { sweepCalls } from '../../shared/domain/sweeper';
import { logger } from '../../shared/observability/logger';

// Every minute: calls empty for CALL_EMPTY_GRACE_SECONDS end `room_empty`, calls active past CALL_MAX_HOURS end `expired`.
export const handler = async (_event: ScheduledEvent) => {
  const result = await sweepCalls();
  if (result.due > 0) logger.info('calls sweep', { ...result });
  return result;
};
