import { onRoomDestroyed } from '../../shared/domain/presence-events';
import { http } from '../../shared/http/handler';
import { jitsiOperations } from '../../shared/http/operations/jitsi';
import { noContent } from '../../shared/http/responses';

export const handler = http(jitsiOperations['jitsi.room-destroyed']).handler(async ({ body }) => {
  await onRoomDestroyed(body);
  return noContent();
});
