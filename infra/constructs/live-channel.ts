import { Duration, RemovalPolicy, Stack, Validations, type CfnElement } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { LogGroupLogDestination, WebSocketApi, WebSocketStage } from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketLambdaAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { WebSocketLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Rule, type IEventBus } from 'aws-cdk-lib/aws-events';
import { LambdaFunction as LambdaTarget } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Code } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { EVENT_SOURCE } from '../../shared/events/outbox';
import { EVENT_TYPES } from '../../shared/webhooks/envelope';
import { LIVE_FUNCTIONS } from '../build';
import { CallsFunction } from './calls-function';

// The live channel, deployed: a WebSocket API whose $connect is guarded by a REQUEST authorizer
// (the bearer from ?token=), connection items in the table, and a consumer of the stage's bus
// that fans each event out through the API Gateway Management API of this API only.

export interface LiveChannelProps {
  readonly eventBus: IEventBus;
  readonly code: (id: string) => Code;
  /** The stack's function environment; the construct adds LIVE_MANAGEMENT_URL for the consumer. */
  readonly environment: Readonly<Record<string, string>>;
  /** What the $connect authorizer accepts: the same issuer and audiences as the HTTP API's JWT authorizer. */
  readonly issuer: string;
  readonly audience: readonly string[];
  readonly tableArn: string;
  /** The connections-by-user index (gsi2). */
  readonly connectionsIndexArn: string;
  readonly stage: string;
  readonly throttleRateLimit: number;
  readonly throttleBurstLimit: number;
  readonly logRetentionDays: number;
  readonly retain: boolean;
  readonly validateEnvironment?: (environment: Record<string, string>) => void;
}

// Connection metadata only: never the query string (it carries the bearer).
const accessLogFields = {
  requestId: '$context.requestId',
  requestTime: '$context.requestTime',
  ip: '$context.identity.sourceIp',
  routeKey: '$context.routeKey',
  eventType: '$context.eventType',
  connectionId: '$context.connectionId',
  status: '$context.status',
  integrationLatency: '$context.integrationLatency',
  integrationError: '$context.integrationErrorMessage',
  authorizerError: '$context.authorizer.error',
  userId: '$context.authorizer.principalId',
};

export class LiveChannel extends Construct {
  readonly api: WebSocketApi;
  readonly stage: WebSocketStage;
  readonly functions = new Map<string, CallsFunction>();
  readonly rule: Rule;

  constructor(scope: Construct, id: string, props: LiveChannelProps) {
    super(scope, id);
    const make = (spec: { id: string }, description: string, environment = props.environment) => {
      const created = new CallsFunction(this, spec.id, {
        code: props.code(spec.id),
        description,
        environment,
        logRetentionDays: props.logRetentionDays,
        retainLogs: props.retain,
      });
      this.functions.set(spec.id, created);
      return created;
    };

    const authorize = make(LIVE_FUNCTIONS.authorize, 'Live channel $connect authorizer: verifies the bearer in ?token=', {
      ...props.environment,
      LIVE_AUTH_ISSUER: props.issuer,
      LIVE_AUTH_AUDIENCE: props.audience.join(','),
    });
    const connect = make(LIVE_FUNCTIONS.connect, 'Live channel $connect: stores the connection with its user and a TTL');
    const disconnect = make(LIVE_FUNCTIONS.disconnect, 'Live channel $disconnect: deletes the connection');
    const message = make(LIVE_FUNCTIONS.message, 'Live channel $default: answers ping with pong');

    this.api = new WebSocketApi(this, 'Api', {
      apiName: `${Stack.of(this).stackName}-live`,
      description: 'Jitsi calls live channel: events pushed to signed-in users',
      connectRouteOptions: {
        integration: new WebSocketLambdaIntegration('Connect', connect.function),
        // WebSocket APIs have no JWT authorizer, and browsers cannot set headers on a WebSocket.
        authorizer: new WebSocketLambdaAuthorizer('TokenAuthorizer', authorize.function, {
          identitySource: ['route.request.querystring.token'],
        }),
      },
      disconnectRouteOptions: { integration: new WebSocketLambdaIntegration('Disconnect', disconnect.function) },
      defaultRouteOptions: { integration: new WebSocketLambdaIntegration('Message', message.function), returnResponse: true },
    });
    const accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: props.logRetentionDays as RetentionDays,
      removalPolicy: props.retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    this.stage = new WebSocketStage(this, 'Stage', {
      webSocketApi: this.api,
      stageName: props.stage,
      autoDeploy: true,
      throttle: { rateLimit: props.throttleRateLimit, burstLimit: props.throttleBurstLimit },
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(JSON.stringify(accessLogFields)),
      },
    });
    for (const routeKey of ['$disconnect', '$default']) {
      const route = this.api.node.findChild(`${routeKey}-Route`);
      Validations.of(route).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason: `API Gateway allows an authorizer on $connect only; ${routeKey} runs on a connection that $connect already authorized.`,
      });
    }

    connect.role.addToPrincipalPolicy(
      new PolicyStatement({ sid: 'ConnectionPut', actions: ['dynamodb:PutItem'], resources: [props.tableArn] }),
    );
    disconnect.role.addToPrincipalPolicy(
      new PolicyStatement({ sid: 'ConnectionDelete', actions: ['dynamodb:DeleteItem'], resources: [props.tableArn] }),
    );

    const fanOutEnvironment = { ...props.environment, LIVE_MANAGEMENT_URL: this.stage.callbackUrl };
    props.validateEnvironment?.(fanOutEnvironment);
    const fanOut = make(
      LIVE_FUNCTIONS.fanOut,
      'Live channel: pushes each event to the connections of the users it concerns',
      fanOutEnvironment,
    );
    fanOut.role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'RoomsAndConnectionsRead',
        actions: ['dynamodb:Query'],
        resources: [props.tableArn, props.connectionsIndexArn],
      }),
    );
    fanOut.role.addToPrincipalPolicy(
      new PolicyStatement({ sid: 'GoneConnectionDelete', actions: ['dynamodb:DeleteItem'], resources: [props.tableArn] }),
    );
    fanOut.role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'ManageConnections',
        actions: ['execute-api:ManageConnections'],
        resources: [
          Stack.of(this).formatArn({
            service: 'execute-api',
            resource: this.api.apiId,
            resourceName: `${this.stage.stageName}/POST/@connections/*`,
          }),
        ],
      }),
    );

    const apiLogicalId = Stack.of(this).getLogicalId(this.api.node.defaultChild as CfnElement);
    Validations.of(fanOut.role).acknowledge({
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:<${apiLogicalId}>/${this.stage.stageName}/POST/@connections/*]`,
      reason: 'Connection ids are only known at run time; the grant is POST to @connections of this API and stage only.',
    });

    this.rule = new Rule(this, 'Rule', {
      description: 'Every contract event to the live channel fan-out',
      eventBus: props.eventBus,
      eventPattern: { source: [EVENT_SOURCE], detailType: [...EVENT_TYPES] },
      // A ring is worth little after a minute or two; a failed fan-out is retried within that.
      targets: [new LambdaTarget(fanOut.function, { retryAttempts: 4, maxEventAge: Duration.minutes(2) })],
    });
  }

  get url(): string {
    return this.stage.url;
  }
}
