import { getConfig } from '../../shared/config';
import { connectAuthorizer } from '../../shared/live/authorizer';

const config = getConfig();
// Only this function gets the two settings (infra/constructs/live-channel.ts): a missing one fails its cold start by name.
if (!config.LIVE_AUTH_ISSUER || !config.LIVE_AUTH_AUDIENCE) throw new Error('LIVE_AUTH_ISSUER and LIVE_AUTH_AUDIENCE must be set');
const authorizer = connectAuthorizer({ issuer: config.LIVE_AUTH_ISSUER, audience: config.LIVE_AUTH_AUDIENCE.split(',') });

export const handler = authorizer.authorize;
