import { getConfig } from '../../shared/config';
import { http } from '../../shared/http/handler';
import { jitsiKeys } from '../../shared/http/operations/jitsi';
import { pem } from '../../shared/http/responses';
import { servedSystemPublicKey } from '../../shared/jitsi/system-token';
import { getSecretsProvider } from '../../shared/secrets/provider';

export const handler = http(jitsiKeys).handler(async ({ path }) =>
  pem(await servedSystemPublicKey(path.file, getConfig().JITSI_SYSTEM_KID, () => getSecretsProvider().jitsiSystemKey())),
);
