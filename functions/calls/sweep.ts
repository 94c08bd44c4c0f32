import type { ScheduledEvent } from 'aws-lambda';
import { sweepCalls, sweepLiveClassJoins, sweepLiveClasses } from '../../shared/domain/sweeper';
import { logger } from '../../shared/observability/logger';

// Every minute: calls empty for CALL_EMPTY_GRACE_SECONDS end `room_empty`, calls active past CALL_MAX_HOURS end
// `expired`, joins Jitsi never saw close `never_connected` (calls and live classes), live classes empty for
// LIVE_CLASS_EMPTY_MINUTES end.
export const handler = async (_event: ScheduledEvent) => {
  const [calls, liveClasses, liveClassJoins] = await Promise.all([sweepCalls(), sweepLiveClasses(), sweepLiveClassJoins()]);
  if (calls.due > 0 || liveClasses.due > 0 || liveClassJoins.due > 0)
    logger.info('calls sweep', { calls: { ...calls }, live_classes: { ...liveClasses }, live_class_joins: { ...liveClassJoins } });
  return { calls, live_classes: liveClasses, live_class_joins: liveClassJoins };
};
