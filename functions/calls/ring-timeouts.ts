import type { ScheduledEvent } from 'aws-lambda';
import { settleExpiredRings } from '../../shared/domain/ringing';
import { logger } from '../../shared/observability/logger';

// Every minute: ringing invitations past RING_TIMEOUT_SECONDS become missed (or cancelled), with their events.
export const handler = async (_event: ScheduledEvent) => {
  const result = await settleExpiredRings();
  if (result.due > 0) logger.info('ring timeouts', result);
  return result;
};
