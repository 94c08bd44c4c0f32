import { onJaasWebhook } from '../../shared/domain/presence-events';
import { http } from '../../shared/http/handler';
import { jitsiJaasWebhook } from '../../shared/http/operations/jitsi';
import { noContent } from '../../shared/http/responses';

export const handler = http(jitsiJaasWebhook).handler(async ({ body }) => {
  await onJaasWebhook(body);
  return noContent();
});
