import { DynamoDBClient, TransactionCanceledException, type CancellationReason } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall, type NativeAttributeValue } from '@aws-sdk/util-dynamodb';
import { getConfig } from '../config';
import { dependencyUnavailable } from '../errors';
import { AWS_CLIENT_DEFAULTS } from '../secrets/aws-sdk';

let client: DynamoDBClient | undefined;

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/;

/**
 * Client settings for an explicit endpoint. DynamoDB Local (a loopback endpoint) accepts any
 * credentials, so it gets fixed fake ones and needs no AWS profile; any other endpoint (a dev
 * table in AWS, a VPC endpoint) signs with the default credential chain.
 */
export function endpointSettings(endpoint: string): { endpoint: string; credentials?: { accessKeyId: string; secretAccessKey: string } } {
  return LOOPBACK.test(new URL(endpoint).hostname)
    ? { endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }
    : { endpoint };
}

/** One client per container. Three attempts with timeouts, then the caller gets 503 `dependency_unavailable`. */
export function dynamo(): DynamoDBClient {
  if (!client) {
    const config = getConfig();
    client = new DynamoDBClient({
      region: config.AWS_REGION,
      ...AWS_CLIENT_DEFAULTS,
      ...(config.DYNAMODB_ENDPOINT ? endpointSettings(config.DYNAMODB_ENDPOINT) : {}),
    });
  }
  return client;
}

export const tableName = () => getConfig().TABLE_NAME;

const UNAVAILABLE = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
  'TimeoutError',
  'RequestTimeout',
  'AbortError',
  'LimitExceededException',
]);
// Transport failures under load (a crowd on one container exhausts sockets or ports) are as transient as throttling.
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EADDRNOTAVAIL',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EMFILE',
]);

/** Sends a command; throttling, timeouts and network failures (after the SDK's retries) become 503. */
export async function send<T>(operation: Promise<T>): Promise<T> {
  try {
    return await operation;
  } catch (error) {
    const err = error as { name?: string; code?: string; $retryable?: unknown; $fault?: string };
    if (UNAVAILABLE.has(err.name ?? '') || NETWORK_CODES.has(err.code ?? '') || err.$retryable || err.$fault === 'server') {
      throw dependencyUnavailable('The database', error);
    }
    throw error;
  }
}

export type Item = Record<string, NativeAttributeValue>;

export const toAttributes = (item: Item) => marshall(item, { removeUndefinedValues: true, convertClassInstanceToMap: false });
export const fromAttributes = <T = Item>(attributes: Parameters<typeof unmarshall>[0]) => unmarshall(attributes) as T;
export const toValues = (values: Item) => marshall(values, { removeUndefinedValues: true });

/** The cancellation reasons of a transaction, by the order of its items, or undefined if it was not cancelled. */
export function cancellationReasons(error: unknown): CancellationReason[] | undefined {
  if (error instanceof TransactionCanceledException) return error.CancellationReasons ?? [];
  if ((error as { name?: string })?.name === 'TransactionCanceledException') {
    return (error as { CancellationReasons?: CancellationReason[] }).CancellationReasons ?? [];
  }
  return undefined;
}

export const isConditionFailure = (error: unknown) => (error as { name?: string })?.name === 'ConditionalCheckFailedException';

/** Small jittered pause before retrying a transaction that lost a conflict. */
export const backoff = (attempt: number) => new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * 2 ** attempt));
