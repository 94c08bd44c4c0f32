import { SQSClient } from '@aws-sdk/client-sqs';
import { ConfigError, getConfig } from '../../shared/config';
import { getWebhookSecret } from '../../shared/webhooks/secret';
import { sqsDeliveryHandler } from '../../shared/webhooks/sqs-delivery';

const config = getConfig();
if (!config.WEBHOOK_QUEUE_URL || !config.WEBHOOK_DEAD_LETTER_QUEUE_URL) {
  throw new ConfigError(['WEBHOOK_QUEUE_URL and WEBHOOK_DEAD_LETTER_QUEUE_URL are required by the webhook delivery function']);
}

export const handler = sqsDeliveryHandler({
  sqs: new SQSClient({ region: config.AWS_REGION, maxAttempts: 3 }),
  queueUrl: config.WEBHOOK_QUEUE_URL,
  deadLetterQueueUrl: config.WEBHOOK_DEAD_LETTER_QUEUE_URL,
  urls: config.WEBHOOK_URLS,
  secret: getWebhookSecret,
  stage: config.STAGE,
});
