import type { ScheduledEvent } from 'aws-lambda';
import { sweepCalls, sweepLiveClasses } from '../../shared/domain/sweeper';
import { logger } from '../../shared/observability/logger';

// Every minute: calls empty for CALL_EMPTY_GRACE_SECONDS end `room_empty`, calls active past CALL_MAX_HOURS end
// `expired`, joins Jitsi never saw close `never_connected`, live classes empty for LIVE_CLASS_EMPTY_MINUTES end.
export const handler = async (_event: ScheduledEvent) => {
  const [calls, liveClasses] = await Promise.all([sweepCalls(), sweepLiveClasses()]);
  if (calls.due > 0 || liveClasses.due > 0) logger.info('calls sweep', { calls: { ...calls }, live_classes: { ...liveClasses } });
  return { calls, live_classes: liveClasses };
};
