import type { DynamoDBStreamEvent } from 'aws-lambda';
import { relayStreamRecords } from '../../shared/events/stream-relay';
import { invocationMetrics } from '../../shared/observability/metrics';
import middy from '@middy/core';

export const handler = middy<DynamoDBStreamEvent>()
  .use(invocationMetrics())
  .handler(async (event) => relayStreamRecords(event.Records));
