import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { SecretName } from '../routes';

export interface CallSecretsProps {
  readonly retain: boolean;
}

/**
 * The Jitsi signing key, the TURN shared secret, the system token's key and the event_sync bearer. Secrets Manager generates a random
 * placeholder at creation, so no value is ever in the template or in context; operators set
 * the real values with `aws secretsmanager put-secret-value` (ops/deploy.md).
 */
export class CallSecrets extends Construct {
  readonly secrets: Record<SecretName, Secret>;

  constructor(scope: Construct, id: string, props: CallSecretsProps) {
    super(scope, id);
    const removalPolicy = props.retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const jitsi = new Secret(this, 'JitsiSigningKey', {
      description: 'Jitsi JWT signing key: {"secret":"..."} (HS256) or {"private_key":"<PKCS#8 PEM>","kid":"..."} (RS256)',
      generateSecretString: {
        secretStringTemplate: JSON.stringify({}),
        generateStringKey: 'secret',
        passwordLength: 64,
        excludePunctuation: true,
      },
      removalPolicy,
    });
    const turn = new Secret(this, 'TurnSharedSecret', {
      description: 'coturn static-auth-secret for TURN REST credentials: {"current":"...","previous":"..."}',
      generateSecretString: {
        secretStringTemplate: JSON.stringify({}),
        generateStringKey: 'current',
        passwordLength: 48,
        excludePunctuation: true,
      },
      removalPolicy,
    });
    // Secrets Manager cannot generate an RSA key: the placeholder is refused as malformed (the
    // end and kicks then report Jitsi failed, never the end) until an operator puts the key.
    const jitsiSystem = new Secret(this, 'JitsiSystemKey', {
      description: 'RS256 key of the system token for Prosody end-meeting and kick: {"private_key":"<PKCS#8 PEM>","kid":"..."}',
      generateSecretString: {
        secretStringTemplate: JSON.stringify({}),
        generateStringKey: 'placeholder',
        passwordLength: 32,
        excludePunctuation: true,
      },
      removalPolicy,
    });
    const jitsiEvents = new Secret(this, 'JitsiEventsSecret', {
      description: "Bearer Prosody's event_sync sends to /api/jitsi/events/*: {\"secret\":\"...\"}",
      generateSecretString: {
        secretStringTemplate: JSON.stringify({}),
        generateStringKey: 'secret',
        passwordLength: 64,
        excludePunctuation: true,
      },
      removalPolicy,
    });
    for (const secret of [jitsi, turn, jitsiSystem, jitsiEvents]) {
      Validations.of(secret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason:
          'Rotation needs the Jitsi Prosody and coturn configuration changed in the same step, which a rotation Lambda cannot do; ' +
          'operators rotate by hand (TURN keeps "previous" valid during the overlap), as ops/deploy.md describes.',
      });
    }
    this.secrets = { jitsi, turn, 'jitsi-system': jitsiSystem, 'jitsi-events': jitsiEvents };
  }
}
