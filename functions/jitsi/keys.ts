import { notFound } from '../../shared/errors';
import { http } from '../../shared/http/handler';
import { jitsiKeys } from '../../shared/http/operations/jitsi';
import { pem } from '../../shared/http/responses';
import { systemPublicKeyFor } from '../../shared/jitsi/system-token';
import { getSecretsProvider } from '../../shared/secrets/provider';

export const handler = http(jitsiKeys).handler(async ({ path }) => {
  const key = systemPublicKeyFor(await getSecretsProvider().jitsiSystemKey(), path.file);
  if (!key) throw notFound('Key');
  return pem(key);
});
