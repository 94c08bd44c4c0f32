import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { SecretName } from '../routes';

export interface CallSecretsProps {
  readonly retain: boolean;
}

/**
 * The Jitsi signing key and the TURN shared secret. Secrets Manager generates a random
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
    for (const secret of [jitsi, turn]) {
      Validations.of(secret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason:
          'Rotation needs the Jitsi Prosody and coturn configuration changed in the same step, which a rotation Lambda cannot do; ' +
          'operators rotate by hand (TURN keeps "previous" valid during the overlap), as ops/deploy.md describes.',
      });
    }
    this.secrets = { jitsi, turn };
  }
}
