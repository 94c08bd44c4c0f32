import { generateKeyPairSync } from 'node:crypto';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { getConfig } from '../shared/config';
import { publicKeyFileName } from '../shared/jitsi/system-token';
import { envSecretsProvider, setSecretsProviderForTests } from '../shared/secrets/provider';
import { secretsManagerProvider } from '../shared/secrets/secrets-manager-provider';
import { call, setupApi } from './support/api';

// The deployed keys route with Secrets Manager (mocked: aws-sdk-client-mock) in each state the
// system key secret can be in: the generated placeholder, unreadable, down, and stored.

const SYSTEM_ARN = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:system-AbCdEf';
const client = new SecretsManagerClient({ region: 'us-east-1' });
const secretsManager = mockClient(client);

const awsError = (name: string, httpStatusCode: number) =>
  Object.assign(new Error(`${name} from the service`), { name, $metadata: { httpStatusCode, requestId: 'req-1', attempts: 3 } });

beforeAll(async () => {
  await setupApi();
});

afterEach(() => {
  secretsManager.reset();
  setSecretsProviderForTests(undefined);
});

/** A fresh deployed-style provider (its own cache) reading the system key from the mocked Secrets Manager. */
function deployed() {
  const config = getConfig();
  setSecretsProviderForTests(
    secretsManagerProvider({ ...config, JITSI_SYSTEM_KEY_SECRET_ARN: SYSTEM_ARN }, { client, fallback: envSecretsProvider(config) }),
  );
}

const configured = () => publicKeyFileName(getConfig().JITSI_SYSTEM_KID);
const keys = (file: string) => call('jitsi.keys', { params: { file } });

describe('GET /api/jitsi/keys/{file} deployed', () => {
  it('answers 503 dependency_unavailable, never 500, while the secret holds the generated placeholder; 404 for another kid', async () => {
    secretsManager.on(GetSecretValueCommand, { SecretId: SYSTEM_ARN }).resolves({ SecretString: JSON.stringify({ placeholder: 'Xy12' }) });
    deployed();
    const unavailable = await keys(configured());
    expect(unavailable).toMatchObject({ status: 503, body: { error: 'dependency_unavailable' } });
    expect(unavailable.headers['retry-after']).toBeDefined();
    expect(JSON.stringify(unavailable.body)).not.toContain('Xy12');
    expect(await keys(publicKeyFileName('another-kid'))).toMatchObject({ status: 404, body: { error: 'not_found' } });
  });

  it('answers 503 when the secret cannot be read (access denied, deleted) or Secrets Manager throttles', async () => {
    for (const error of [
      awsError('AccessDeniedException', 400),
      awsError('ResourceNotFoundException', 400),
      awsError('ThrottlingException', 400),
    ]) {
      secretsManager.reset();
      secretsManager.on(GetSecretValueCommand, { SecretId: SYSTEM_ARN }).rejects(error);
      deployed();
      expect(await keys(configured())).toMatchObject({ status: 503, body: { error: 'dependency_unavailable' } });
    }
  });

  it('serves the public key once an operator stores the private key, and 404 for another file', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    secretsManager.on(GetSecretValueCommand, { SecretId: SYSTEM_ARN }).resolves({ SecretString: JSON.stringify({ private_key: pem }) });
    deployed();
    const served = await keys(configured());
    expect(served.status).toBe(200);
    expect(served.raw).toContain('BEGIN PUBLIC KEY');
    expect(served.raw).not.toContain('PRIVATE');
    expect((await keys(publicKeyFileName('another-kid'))).status).toBe(404);
  });
});
