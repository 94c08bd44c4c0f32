import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { ConfigError, getConfig } from '../../shared/config';
import { liveConsumer } from '../../shared/live/connections';

const config = getConfig();
if (!config.LIVE_MANAGEMENT_URL) throw new ConfigError(['LIVE_MANAGEMENT_URL is required by the live fan-out function']);

export const handler = liveConsumer(
  new ApiGatewayManagementApiClient({ region: config.AWS_REGION, endpoint: config.LIVE_MANAGEMENT_URL, maxAttempts: 3 }),
);
