import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, type CfnElement } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { EVENT_TYPES } from '../../shared/webhooks/envelope';
import { LIVE_FUNCTIONS, REPO_ROOT } from '../build';
import { createStageStack, type CallsStack } from '../stack';
import type { Stage } from './stage-config';

const cdkContext = JSON.parse(readFileSync(join(REPO_ROOT, 'cdk.json'), 'utf8')).context as { stages: Record<Stage, unknown> };

let stack: CallsStack;
let template: Template;
beforeAll(() => {
  stack = createStageStack(new App({ context: cdkContext }), {
    stage: 'staging',
    stages: cdkContext.stages,
    code: { kind: 'placeholder' },
    nag: false,
  });
  template = Template.fromStack(stack);
}, 120_000);

const ref = (element: { node: { defaultChild?: unknown } }) => stack.getLogicalId(element.node.defaultChild as CfnElement);
const fnArn = (id: string) => ({ 'Fn::GetAtt': [ref(stack.live.functions.get(id)!.function), 'Arn'] });

function statementsOf(id: string) {
  const roleId = ref(stack.live.functions.get(id)!.role);
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((policy) => policy.Properties.Roles.some((role: { Ref: string }) => role.Ref === roleId))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as { Sid?: string; Action: string | string[]; Resource: unknown }[])
    .filter((statement) => statement.Sid !== undefined);
}

describe('live channel stack', () => {
  it("gives the $connect authorizer, and no other function, the HTTP API's issuer and audiences", () => {
    const context = (cdkContext.stages as Record<string, { authIssuer: string; authAudience: string[] }>).staging!;
    const environmentOf = (id: string) => {
      const logicalId = ref(stack.live.functions.get(id)!.function);
      return template.toJSON().Resources[logicalId].Properties.Environment.Variables as Record<string, unknown>;
    };
    expect(environmentOf(LIVE_FUNCTIONS.authorize.id)).toMatchObject({
      LIVE_AUTH_ISSUER: context.authIssuer,
      LIVE_AUTH_AUDIENCE: context.authAudience.join(','),
    });
    for (const spec of Object.values(LIVE_FUNCTIONS).filter((spec) => spec.id !== LIVE_FUNCTIONS.authorize.id)) {
      expect(Object.keys(environmentOf(spec.id)).filter((name) => name.startsWith('LIVE_AUTH_'))).toEqual([]);
    }
  });

  it('is a WebSocket API whose $connect alone is guarded by the token REQUEST authorizer', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      ProtocolType: 'WEBSOCKET',
      RouteSelectionExpression: '$request.body.action',
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'REQUEST',
      IdentitySource: ['route.request.querystring.token'],
    });
    const api = { Ref: ref(stack.live.api) };
    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route', { Properties: { ApiId: api } }));
    expect(Object.fromEntries(routes.map((route) => [route.Properties.RouteKey, route.Properties.AuthorizationType ?? 'NONE']))).toEqual({
      $connect: 'CUSTOM',
      $disconnect: 'NONE',
      $default: 'NONE',
    });
    // ping gets pong from the function's return value.
    expect(routes.find((route) => route.Properties.RouteKey === '$default')!.Properties.RouteResponseSelectionExpression).toBe('$default');
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      ApiId: api,
      StageName: 'staging',
      AutoDeploy: true,
      AccessLogSettings: Match.objectLike({ Format: Match.not(Match.stringLikeRegexp('querystring')) }),
    });
  });

  it('stores, deletes and lists connections with exactly the actions each function needs', () => {
    const table = { 'Fn::GetAtt': [ref(stack.table.table), 'Arn'] };
    const gsi2 = { 'Fn::Join': ['', [table, '/index/gsi2']] };
    expect(statementsOf(LIVE_FUNCTIONS.authorize.id)).toEqual([]);
    expect(statementsOf(LIVE_FUNCTIONS.message.id)).toEqual([]);
    expect(statementsOf(LIVE_FUNCTIONS.connect.id)).toEqual([expect.objectContaining({ Action: 'dynamodb:PutItem', Resource: table })]);
    expect(statementsOf(LIVE_FUNCTIONS.disconnect.id)).toEqual([
      expect.objectContaining({ Action: 'dynamodb:DeleteItem', Resource: table }),
    ]);
    const fanOut = statementsOf(LIVE_FUNCTIONS.fanOut.id);
    expect(fanOut.map((statement) => statement.Sid).sort()).toEqual([
      'GoneConnectionDelete',
      'ManageConnections',
      'RoomsAndConnectionsRead',
    ]);
    expect(fanOut.find((statement) => statement.Sid === 'RoomsAndConnectionsRead')).toMatchObject({
      Action: 'dynamodb:Query',
      Resource: [table, gsi2],
    });
  });

  it('lets the fan-out manage connections of this API and stage only', () => {
    const manage = statementsOf(LIVE_FUNCTIONS.fanOut.id).find((statement) => statement.Sid === 'ManageConnections')!;
    expect(manage.Action).toBe('execute-api:ManageConnections');
    const arn = JSON.stringify(manage.Resource);
    expect(arn).toContain(`{"Ref":"${ref(stack.live.api)}"}`);
    expect(arn).toContain('/staging/POST/@connections/*');
    // No other function may post to connections.
    for (const id of [LIVE_FUNCTIONS.authorize.id, LIVE_FUNCTIONS.connect.id, LIVE_FUNCTIONS.disconnect.id, LIVE_FUNCTIONS.message.id]) {
      expect(JSON.stringify(statementsOf(id))).not.toContain('execute-api');
    }
    expect(JSON.stringify(template.findResources('AWS::IAM::Policy')).match(/execute-api:ManageConnections/g)).toHaveLength(1);
  });

  it('feeds every contract event on the stage bus to the fan-out, which knows the callback URL', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: { Ref: ref(stack.eventBus) },
      EventPattern: { source: ['jitsi-calls'], 'detail-type': [...EVENT_TYPES] },
      Targets: [
        Match.objectLike({ Arn: fnArn(LIVE_FUNCTIONS.fanOut.id), RetryPolicy: { MaximumRetryAttempts: 4, MaximumEventAgeInSeconds: 120 } }),
      ],
    });
    const fanOut = template.toJSON().Resources[ref(stack.live.functions.get(LIVE_FUNCTIONS.fanOut.id)!.function)];
    expect(JSON.stringify(fanOut.Properties.Environment.Variables.LIVE_MANAGEMENT_URL)).toContain(ref(stack.live.api));
  });

  it('keeps connection items in the table with a TTL and a by-user index', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      TimeToLiveSpecification: { AttributeName: 'expires_at', Enabled: true },
      GlobalSecondaryIndexes: Match.arrayWith([
        Match.objectLike({
          IndexName: 'gsi2',
          KeySchema: [
            { AttributeName: 'gsi2pk', KeyType: 'HASH' },
            { AttributeName: 'gsi2sk', KeyType: 'RANGE' },
          ],
        }),
      ]),
    });
  });
});
