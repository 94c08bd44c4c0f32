import { onOccupantEvent } from '../../shared/domain/presence-events';
import { http } from '../../shared/http/handler';
import { jitsiOccupantLeft } from '../../shared/http/operations/jitsi';
import { noContent } from '../../shared/http/responses';

export const handler = http(jitsiOccupantLeft).handler(async ({ body }) => {
  await onOccupantEvent(body, 'left');
  return noContent();
});
