import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { SecretName } from '../routes';

export interface CallSecretsProps {
  readonly retain: boolean;
}

/**
 * The Jitsi signing key, the TURN shared secret, the system token's key, the event_sync bearer and the JaaS webhook
 * signing secret. Secrets Manager generates a random
 * placeholder at creation, so no value is ever in the template or in context; operators set
 * the real values with `aws secretsmanager put-secret-value` (ops/deploy.md).
 */
export class CallSecrets extends Construct {
  readonly secrets: Record<SecretName, Secret>;

  constructor(scope: Construct, id: string, props: CallSecretsProps) {
    super(scope, id);
    const removalPolicy = props.retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    // A random JSON value Secrets Manager makes at deploy time, so no secret is ever in the template.
    const generated = (secretId: string, description: string, key: string, length: number) =>
      new Secret(this, secretId, {
        description,
        generateSecretString: {
          secretStringTemplate: JSON.stringify({}),
          generateStringKey: key,
          passwordLength: length,
          excludePunctuation: true,
        },
        removalPolicy,
      });
    const jitsi = generated(
      'JitsiSigningKey',
      'Jitsi JWT signing key: {"secret":"..."} (HS256) or {"private_key":"<PKCS#8 PEM>","kid":"..."} (RS256)',
      'secret',
      64,
    );
    const turn = generated(
      'TurnSharedSecret',
      'coturn static-auth-secret for TURN REST credentials: {"current":"...","previous":"..."}',
      'current',
      48,
    );
    // Secrets Manager cannot generate an RSA key: the placeholder is refused as malformed (the
    // end and kicks then report Jitsi failed, never the end) until an operator puts the key.
    const jitsiSystem = generated(
      'JitsiSystemKey',
      'RS256 key of the system token for Prosody end-meeting and kick: {"private_key":"<PKCS#8 PEM>","kid":"..."}',
      'placeholder',
      32,
    );
    const jitsiEvents = generated(
      'JitsiEventsSecret',
      'Bearer Prosody\'s event_sync sends to /api/jitsi/events/*: {"secret":"..."}',
      'secret',
      64,
    );
    // JaaS makes this one (its console's "Reveal secret"): until an operator puts it, the random
    // placeholder verifies no webhook, so every JaaS webhook is refused (401), never accepted.
    const jaasWebhook = generated(
      'JaasWebhookSecret',
      'JaaS webhook signing secret (X-Jaas-Signature) for /api/jitsi/webhooks/jaas: {"secret":"..."}',
      'secret',
      48,
    );
    for (const secret of [jitsi, turn, jitsiSystem, jitsiEvents, jaasWebhook]) {
      Validations.of(secret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason:
          'Rotation needs the Jitsi Prosody and coturn configuration changed in the same step, which a rotation Lambda cannot do; ' +
          'operators rotate by hand (TURN keeps "previous" valid during the overlap), as ops/deploy.md describes.',
      });
    }
    this.secrets = { jitsi, turn, 'jitsi-system': jitsiSystem, 'jitsi-events': jitsiEvents, 'jaas-webhook': jaasWebhook };
  }
}
