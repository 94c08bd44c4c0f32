import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Function as LambdaFunction, Runtime, type Code, type FunctionProps } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

// The one place that holds function defaults. Callers' props are merged over the defaults
// (environment merged key by key), never replacing them wholesale.

export interface CallsFunctionProps extends Partial<Omit<FunctionProps, 'code' | 'role' | 'logGroup'>> {
  readonly code: Code;
  readonly logRetentionDays: number;
  readonly retainLogs: boolean;
  /**
   * Node's --enable-source-maps costs about 7 ms and 8 MB on every cold start, so it is off unless
   * the stage asks (`sourceMaps: true`); the map is deployed beside the bundle either way.
   */
  readonly enableSourceMaps?: boolean;
}

export const FUNCTION_DEFAULTS = {
  runtime: Runtime.NODEJS_22_X,
  architecture: Architecture.ARM_64,
  handler: 'index.handler',
  memorySize: 512,
  // HTTP API integrations give up after 30 s; a call path that takes 10 s has already failed the user.
  timeout: Duration.seconds(10),
} as const;

export class CallsFunction extends Construct {
  readonly function: LambdaFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: CallsFunctionProps) {
    super(scope, id);
    const { code, logRetentionDays, retainLogs, enableSourceMaps = false, environment, ...overrides } = props;

    this.logGroup = new LogGroup(this, 'Logs', {
      retention: logRetentionDays as RetentionDays,
      removalPolicy: retainLogs ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    // An explicit role instead of the AWSLambdaBasicExecutionRole managed policy: it may write
    // to its own log group only.
    this.role = new Role(this, 'Role', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    this.logGroup.grantWrite(this.role);

    this.function = new LambdaFunction(this, 'Function', {
      ...FUNCTION_DEFAULTS,
      ...overrides,
      code,
      role: this.role,
      logGroup: this.logGroup,
      environment: { ...(enableSourceMaps ? { NODE_OPTIONS: '--enable-source-maps' } : {}), ...environment },
    });
  }
}
