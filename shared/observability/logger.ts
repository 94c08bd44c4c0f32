import { Logger } from '@aws-lambda-powertools/logger';
import { SERVICE_NAME } from './metric-names';

// Events and headers carry bearer tokens: nothing here logs a whole event, header or body.
export const logger = new Logger({ serviceName: SERVICE_NAME });
