import { onJaasWebhook } from '../../shared/domain/presence-events';
import { http } from '../../shared/http/handler';
import { jitsiOperations } from '../../shared/http/operations/jitsi';
import { noContent } from '../../shared/http/responses';

export const handler = http(jitsiOperations['jitsi.jaas-webhook']).handler(async ({ body }) => {
  await onJaasWebhook(body);
  return noContent();
});
