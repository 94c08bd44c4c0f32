import { onOccupantEvent } from '../../shared/domain/presence-events';
import { http } from '../../shared/http/handler';
import { jitsiOccupantJoined } from '../../shared/http/operations/jitsi';
import { noContent } from '../../shared/http/responses';

export const handler = http(jitsiOccupantJoined).handler(async ({ body }) => {
  await onOccupantEvent(body, 'joined');
  return noContent();
});
