import { getConfig } from '../../shared/config';
import { connectAuthorizer } from '../../shared/live/authorizer';

const config = getConfig();
const authorizer = connectAuthorizer({ issuer: config.AUTH_ISSUER as string, audience: config.AUTH_AUDIENCE as string });

export const handler = authorizer.authorize;
