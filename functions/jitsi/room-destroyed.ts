import { onRoomDestroyed } from '../../shared/domain/presence-events';
import { http } from '../../shared/http/handler';
import { jitsiRoomDestroyed } from '../../shared/http/operations/jitsi';
import { noContent } from '../../shared/http/responses';

export const handler = http(jitsiRoomDestroyed).handler(async ({ body }) => {
  await onRoomDestroyed(body);
  return noContent();
});
