import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  CorsHttpMethod,
  HttpApi,
  HttpMethod,
  HttpNoneAuthorizer,
  HttpStage,
  LogGroupLogDestination,
  type HttpRoute,
  type IHttpRouteAuthorizer,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { RouteDefinition } from '../routes';

export interface CallsHttpApiProps {
  readonly issuer: string;
  readonly audience: readonly string[];
  readonly allowedOrigins: readonly string[];
  readonly throttleRateLimit: number;
  readonly throttleBurstLimit: number;
  readonly logRetentionDays: number;
  readonly retainLogs: boolean;
}

// Request metadata only: never the Authorization header or a body (bearer tokens, PII).
const accessLogFields = {
  requestId: '$context.requestId',
  requestTime: '$context.requestTime',
  ip: '$context.identity.sourceIp',
  method: '$context.httpMethod',
  routeKey: '$context.routeKey',
  status: '$context.status',
  protocol: '$context.protocol',
  responseLength: '$context.responseLength',
  responseLatency: '$context.responseLatency',
  integrationLatency: '$context.integrationLatency',
  integrationError: '$context.integrationErrorMessage',
  authorizerError: '$context.authorizer.error',
  userId: '$context.authorizer.claims.sub',
};

export class CallsHttpApi extends Construct {
  readonly api: HttpApi;
  readonly stage: HttpStage;
  readonly accessLogs: LogGroup;
  private readonly jwtAuthorizer: HttpJwtAuthorizer;
  private readonly publicAccess = new HttpNoneAuthorizer();

  constructor(scope: Construct, id: string, props: CallsHttpApiProps) {
    super(scope, id);
    this.api = new HttpApi(this, 'Api', {
      // A display name, not a key: API Gateway does not require it to be unique; the stack name tells stages apart.
      apiName: `${Stack.of(this).stackName}-http`,
      description: 'Jitsi calls: tokens and TURN credentials for thread calls and live classes',
      createDefaultStage: false,
      corsPreflight:
        props.allowedOrigins.length > 0
          ? {
              allowOrigins: [...props.allowedOrigins],
              allowMethods: [CorsHttpMethod.GET, CorsHttpMethod.POST, CorsHttpMethod.PUT, CorsHttpMethod.DELETE],
              allowHeaders: ['authorization', 'content-type'],
              exposeHeaders: ['retry-after'],
              maxAge: Duration.hours(1),
            }
          : undefined,
    });
    this.accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: props.logRetentionDays as RetentionDays,
      removalPolicy: props.retainLogs ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: props.throttleRateLimit, burstLimit: props.throttleBurstLimit },
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogs),
        format: AccessLogFormat.custom(JSON.stringify(accessLogFields)),
      },
    });
    this.jwtAuthorizer = new HttpJwtAuthorizer('JwtAuthorizer', props.issuer, {
      jwtAudience: [...props.audience],
      identitySource: ['$request.header.Authorization'],
    });
  }

  get url(): string {
    return this.stage.url;
  }

  addRoute(route: RouteDefinition, handler: IFunction): HttpRoute[] {
    const authorizer: IHttpRouteAuthorizer = route.auth === 'public' ? this.publicAccess : this.jwtAuthorizer;
    const created = this.api.addRoutes({
      path: route.path,
      methods: [HttpMethod[route.method]],
      integration: new HttpLambdaIntegration(`${route.id}.integration`, handler),
      authorizer,
    });
    if (route.auth === 'public') {
      for (const httpRoute of created) {
        Validations.of(httpRoute).acknowledge({
          id: 'AwsSolutions-APIG4',
          reason: `${route.method} ${route.path} is public by contract (health, config, OpenAPI: API.md "no auth"); it returns no user data.`,
        });
      }
    }
    return created;
  }
}
