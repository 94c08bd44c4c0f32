import { GetSecretValueCommand, ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../config';
import { AppError } from '../errors';
import { logger as sharedLogger } from '../observability/logger';
import { captureOutput, renderError } from './capture-output.test-helper';
import { selectSecretsProvider, type SecretsProvider } from './provider';
import { secretsManagerProvider, type SecretsManagerProviderConfig } from './secrets-manager-provider';

const JITSI_ARN = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:jitsi-AbCdEf';
const TURN_ARN = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:turn-AbCdEf';
const JITSI_SECRET = 'hs256-app-secret-that-must-never-leak-0123456789';
const ROTATED_SECRET = 'hs256-rotated-secret-that-must-never-leak-987654';
const TURN_CURRENT = 'turn-current-secret-never-leak';
const TURN_PREVIOUS = 'turn-previous-secret-never-leak';
const TTL_SECONDS = 300;

const client = new SecretsManagerClient({ region: 'us-east-1' });
const secretsManager = mockClient(client);

const config: SecretsManagerProviderConfig = {
  AWS_REGION: 'us-east-1',
  JITSI_SECRET_ARN: JITSI_ARN,
  TURN_SECRET_ARN: TURN_ARN,
  JITSI_JWT_ALG: 'HS256',
  JITSI_JWT_KID: undefined,
  SECRETS_CACHE_TTL_SECONDS: TTL_SECONDS,
};

const unusedFallback: SecretsProvider = {
  jitsiSigningKey: () => Promise.reject(new Error('fallback must not be used')),
  turnAuth: () => Promise.reject(new Error('fallback must not be used')),
  jitsiEventsSecret: () => Promise.reject(new Error('fallback must not be used')),
  jaasWebhookSecret: () => Promise.reject(new Error('fallback must not be used')),
  jitsiSystemKey: () => Promise.reject(new Error('fallback must not be used')),
};

const awsError = (name: string, httpStatusCode: number) =>
  Object.assign(new Error(`${name} from the service`), { name, $metadata: { httpStatusCode, requestId: 'req-1', attempts: 3 } });

let nowMs: number;
const now = () => nowMs;
const warnings: unknown[][] = [];
const logger = { warn: (...args: unknown[]) => void warnings.push(args) };

function provider(overrides: Partial<SecretsManagerProviderConfig> = {}) {
  return secretsManagerProvider({ ...config, ...overrides }, { client, fallback: unusedFallback, now, logger });
}

function jitsiCalls() {
  return secretsManager.commandCalls(GetSecretValueCommand, { SecretId: JITSI_ARN }).length;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  const [result] = await Promise.allSettled([promise]);
  if (result?.status !== 'rejected') throw new Error('expected a rejection');
  return result.reason;
}

beforeEach(() => {
  secretsManager.reset();
  warnings.length = 0;
  nowMs = Date.parse('2026-11-21T09:00:00.000Z');
  secretsManager
    .on(GetSecretValueCommand, { SecretId: JITSI_ARN })
    .resolves({ SecretString: JSON.stringify({ secret: JITSI_SECRET }) })
    .on(GetSecretValueCommand, { SecretId: TURN_ARN })
    .resolves({ SecretString: JSON.stringify({ current: TURN_CURRENT, previous: TURN_PREVIOUS }) });
});

describe('secretsManagerProvider', () => {
  it('fetches each secret once per TTL however many requests use it', async () => {
    const secrets = provider();
    for (let request = 0; request < 50; request += 1) {
      await secrets.jitsiSigningKey();
      await secrets.turnAuth();
      nowMs += 1_000;
    }
    await Promise.all(Array.from({ length: 20 }, () => secrets.jitsiSigningKey()));

    expect(await secrets.jitsiSigningKey()).toEqual({ alg: 'HS256', secret: JITSI_SECRET });
    expect(jitsiCalls()).toBe(1);
    expect(secretsManager.commandCalls(GetSecretValueCommand, { SecretId: TURN_ARN })).toHaveLength(1);
  });

  it('shares one fetch between concurrent cold callers', async () => {
    const secrets = provider();
    await Promise.all(Array.from({ length: 10 }, () => secrets.jitsiSigningKey()));
    expect(jitsiCalls()).toBe(1);
  });

  it('picks up a rotated value after the TTL without a restart', async () => {
    const secrets = provider();
    expect(await secrets.jitsiSigningKey()).toEqual({ alg: 'HS256', secret: JITSI_SECRET });
    secretsManager
      .on(GetSecretValueCommand, { SecretId: JITSI_ARN })
      .resolves({ SecretString: JSON.stringify({ secret: ROTATED_SECRET }) });

    nowMs += TTL_SECONDS * 1000 - 1;
    expect(await secrets.jitsiSigningKey()).toEqual({ alg: 'HS256', secret: JITSI_SECRET });
    nowMs += 1;
    expect(await secrets.jitsiSigningKey()).toEqual({ alg: 'HS256', secret: ROTATED_SECRET });
    expect(jitsiCalls()).toBe(2);
  });

  it('honours the configured TTL', async () => {
    const secrets = provider({ SECRETS_CACHE_TTL_SECONDS: 30 });
    await secrets.jitsiSigningKey();
    nowMs += 30_000;
    await secrets.jitsiSigningKey();
    expect(jitsiCalls()).toBe(2);
  });

  it('signs TURN credentials with the current secret, not the previous one', async () => {
    expect(await provider().turnAuth()).toEqual({ kind: 'rest', secret: TURN_CURRENT });
  });

  it('reads an RS256 key with the kid stored next to it', async () => {
    const pem = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg\n-----END PRIVATE KEY-----\n';
    secretsManager
      .on(GetSecretValueCommand, { SecretId: JITSI_ARN })
      .resolves({ SecretString: JSON.stringify({ private_key: pem, kid: 'app/key-2' }) });
    expect(await provider({ JITSI_JWT_ALG: 'RS256', JITSI_JWT_KID: 'app/key-1' }).jitsiSigningKey()).toEqual({
      alg: 'RS256',
      privateKeyPem: pem,
      kid: 'app/key-2',
    });
  });

  it('reads the event_sync bearer and the system key from their own secrets, once per TTL, never from the fallback', async () => {
    const eventsArn = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:events-AbCdEf';
    const systemArn = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:system-AbCdEf';
    const eventsSecret = 'events-bearer-that-must-never-leak-0123456789';
    const pem = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg\n-----END PRIVATE KEY-----\n';
    secretsManager
      .on(GetSecretValueCommand, { SecretId: eventsArn })
      .resolves({ SecretString: JSON.stringify({ secret: eventsSecret }) })
      .on(GetSecretValueCommand, { SecretId: systemArn })
      .resolves({ SecretString: JSON.stringify({ private_key: pem }) });
    const secrets = provider({
      JITSI_EVENTS_SECRET_ARN: eventsArn,
      JITSI_SYSTEM_KEY_SECRET_ARN: systemArn,
      JITSI_SYSTEM_KID: 'calls-system',
    });
    for (let request = 0; request < 10; request += 1) {
      expect(await secrets.jitsiEventsSecret()).toBe(eventsSecret);
      expect(await secrets.jitsiSystemKey()).toEqual({ privateKeyPem: pem, kid: 'calls-system' });
    }
    expect(secretsManager.commandCalls(GetSecretValueCommand, { SecretId: eventsArn })).toHaveLength(1);
    expect(secretsManager.commandCalls(GetSecretValueCommand, { SecretId: systemArn })).toHaveLength(1);
  });

  it('refuses a short event_sync bearer without echoing it', async () => {
    const eventsArn = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:events-AbCdEf';
    secretsManager
      .on(GetSecretValueCommand, { SecretId: eventsArn })
      .resolves({ SecretString: JSON.stringify({ secret: 'short-bearer' }) });
    const error = await rejection(provider({ JITSI_EVENTS_SECRET_ARN: eventsArn }).jitsiEventsSecret());
    expect(error).toBeInstanceOf(AppError);
    expect(renderError(error)).toMatch(/Jitsi events secret in Secrets Manager is malformed \(secret: too_small\)/);
    expect(renderError(error)).not.toContain('short-bearer');
  });

  it('reads the JaaS webhook secret from its own secret once per TTL, and refuses a short one without echoing it', async () => {
    const jaasArn = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:jaas-AbCdEf';
    const shortArn = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:jaas-short';
    const jaasSecret = 'jaas-endpoint-secret-never-leaks';
    secretsManager
      .on(GetSecretValueCommand, { SecretId: jaasArn })
      .resolves({ SecretString: JSON.stringify({ secret: jaasSecret }) })
      .on(GetSecretValueCommand, { SecretId: shortArn })
      .resolves({ SecretString: JSON.stringify({ secret: 'tiny' }) });
    const secrets = provider({ JAAS_WEBHOOK_SECRET_ARN: jaasArn });
    for (let request = 0; request < 5; request += 1) expect(await secrets.jaasWebhookSecret()).toBe(jaasSecret);
    expect(secretsManager.commandCalls(GetSecretValueCommand, { SecretId: jaasArn })).toHaveLength(1);
    const error = await rejection(provider({ JAAS_WEBHOOK_SECRET_ARN: shortArn }).jaasWebhookSecret());
    expect(renderError(error)).toMatch(/JaaS webhook secret in Secrets Manager is malformed \(secret: too_small\)/);
    expect(renderError(error)).not.toContain('tiny');
  });

  it('answers 503 dependency_unavailable with Retry-After when Secrets Manager throttles past the retries', async () => {
    secretsManager.on(GetSecretValueCommand).rejects(awsError('ThrottlingException', 400));
    const error = await rejection(provider().jitsiSigningKey());
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ status: 503, code: 'dependency_unavailable', headers: { 'retry-after': expect.any(String) } });
    expect((error as AppError).message).toContain('Secrets Manager');
  });

  it('answers 503 on a Secrets Manager 5xx and on a network failure', async () => {
    secretsManager.on(GetSecretValueCommand).rejects(awsError('InternalServiceError', 500));
    expect(await rejection(provider().jitsiSigningKey())).toMatchObject({ status: 503, code: 'dependency_unavailable' });
    secretsManager.on(GetSecretValueCommand).rejects(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    expect(await rejection(provider().turnAuth())).toMatchObject({ status: 503, code: 'dependency_unavailable' });
  });

  it('answers 500 internal_error when the secret does not exist: retrying cannot help', async () => {
    secretsManager
      .on(GetSecretValueCommand)
      .rejects(
        new ResourceNotFoundException({ message: "Secrets Manager can't find the specified secret.", $metadata: { httpStatusCode: 400 } }),
      );
    expect(await rejection(provider().jitsiSigningKey())).toMatchObject({ status: 500, code: 'internal_error' });
  });

  it('keeps serving the last good value for a while when a refresh fails, then answers 503', async () => {
    const secrets = provider();
    await secrets.jitsiSigningKey();
    secretsManager.on(GetSecretValueCommand, { SecretId: JITSI_ARN }).rejects(awsError('ThrottlingException', 400));

    nowMs += TTL_SECONDS * 1000;
    expect(await secrets.jitsiSigningKey()).toEqual({ alg: 'HS256', secret: JITSI_SECRET });
    expect(warnings).toHaveLength(1);
    nowMs += 1_000;
    await secrets.jitsiSigningKey();
    expect(jitsiCalls()).toBe(2);

    nowMs += 15 * 60_000;
    expect(await rejection(secrets.jitsiSigningKey())).toMatchObject({ status: 503, code: 'dependency_unavailable' });
  });

  it('retries after a failed first fetch instead of caching the failure', async () => {
    secretsManager
      .on(GetSecretValueCommand, { SecretId: JITSI_ARN })
      .rejectsOnce(awsError('ThrottlingException', 400))
      .resolves({
        SecretString: JSON.stringify({ secret: JITSI_SECRET }),
      });
    const secrets = provider();
    await rejection(secrets.jitsiSigningKey());
    expect(await secrets.jitsiSigningKey()).toEqual({ alg: 'HS256', secret: JITSI_SECRET });
  });

  it.each([
    ['not JSON', `secret=${JITSI_SECRET}`],
    ['truncated JSON', `{"secret": "${JITSI_SECRET}"`],
    ['a bare JSON string', JSON.stringify(JITSI_SECRET)],
    ['the wrong field', JSON.stringify({ password: JITSI_SECRET })],
    ['a value too short', JSON.stringify({ secret: JITSI_SECRET.slice(0, 20) })],
    ['the wrong type', JSON.stringify({ secret: [JITSI_SECRET] })],
  ])('answers 500 for a malformed secret (%s) without quoting it', async (_, secretString) => {
    secretsManager.on(GetSecretValueCommand, { SecretId: JITSI_ARN }).resolves({ SecretString: secretString });
    const { result, output } = await captureOutput(() => provider().jitsiSigningKey());

    expect(result.status).toBe('rejected');
    const error = (result as PromiseRejectedResult).reason;
    expect(error).toMatchObject({ status: 500, code: 'internal_error' });
    expect((error as Error).message).toMatch(/Jitsi secret in Secrets Manager is malformed/);
    expect(renderError(error)).not.toContain(JITSI_SECRET.slice(0, 20));
    expect(output).not.toContain(JITSI_SECRET.slice(0, 20));
  });

  it('never logs or throws a secret, including through the real logger while serving a stale value', async () => {
    const secrets = secretsManagerProvider(config, { client, fallback: unusedFallback, now });
    // The test setup silences Powertools; a silent logger would make this test pass vacuously.
    const levelBefore = sharedLogger.getLevelName();
    sharedLogger.setLogLevel('DEBUG');
    const { output } = await captureOutput(async () => {
      await secrets.jitsiSigningKey();
      await secrets.turnAuth();
      secretsManager.on(GetSecretValueCommand).resolves({ SecretString: `{"secret": "${JITSI_SECRET}", "current": "${TURN_CURRENT}"` });
      nowMs += TTL_SECONDS * 1000;
      await secrets.jitsiSigningKey();
      await secrets.turnAuth();
    }).finally(() => sharedLogger.setLogLevel(levelBefore));

    expect(output).toContain('secret refresh failed, serving the cached value');
    for (const value of [JITSI_SECRET, TURN_CURRENT, TURN_PREVIOUS]) expect(output).not.toContain(value);
  });

  it('keeps the SDK response out of the error cause it hands to the logger', async () => {
    const sdkError = Object.assign(awsError('InternalServiceError', 500), {
      $response: { body: JSON.stringify({ SecretString: JITSI_SECRET }) },
    });
    secretsManager.on(GetSecretValueCommand).rejects(sdkError);
    const error = await rejection(provider().jitsiSigningKey());
    expect(renderError(error)).toContain('InternalServiceError');
    expect(renderError(error)).not.toContain(JITSI_SECRET);
  });
});

describe('selectSecretsProvider', () => {
  afterEach(() => vi.restoreAllMocks());

  it('reads environment variables when no ARN is configured', async () => {
    const sendSpy = vi.spyOn(SecretsManagerClient.prototype, 'send');
    const local = loadConfig({ JITSI_JWT_SECRET: JITSI_SECRET, TURN_SECRET: TURN_CURRENT });
    const secrets = selectSecretsProvider(local);
    expect(await secrets.jitsiSigningKey()).toEqual({ alg: 'HS256', secret: JITSI_SECRET });
    expect(await secrets.turnAuth()).toEqual({ kind: 'rest', secret: TURN_CURRENT });
    expect(sendSpy).not.toHaveBeenCalled();
  });

  it('uses Secrets Manager for a configured ARN and the environment for the rest', async () => {
    const sendSpy = vi.spyOn(SecretsManagerClient.prototype, 'send').mockImplementation(async () => ({
      SecretString: JSON.stringify({ secret: JITSI_SECRET }),
    }));
    const deployed = loadConfig({ JITSI_SECRET_ARN: JITSI_ARN, TURN_USERNAME: 'turn-user', TURN_PASSWORD: 'turn-password' });
    const secrets = selectSecretsProvider(deployed);

    expect(await secrets.jitsiSigningKey()).toEqual({ alg: 'HS256', secret: JITSI_SECRET });
    expect(await secrets.turnAuth()).toEqual({ kind: 'static', username: 'turn-user', password: 'turn-password' });
    expect(sendSpy).toHaveBeenCalledTimes(1);
  });
});
