import { getConfig } from '../../shared/config';
import { http } from '../../shared/http/handler';
import { callsConfig } from '../../shared/http/operations/public';
import { ok } from '../../shared/http/responses';

export const handler = http(callsConfig).handler(async () => {
  const config = getConfig();
  return ok({ calls_enabled: config.CALLS_ENABLED, jitsi_domain: config.JITSI_DOMAIN, jitsi_url: config.JITSI_PUBLIC_URL });
});
