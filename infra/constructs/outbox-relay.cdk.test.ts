import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, type CfnElement } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { tableDefinition } from '../../shared/db/table-definition';
import { REPO_ROOT } from '../build';
import { createStageStack, type CallsStack } from '../stack';
import type { Stage } from './stage-config';
import { RELAY_RETRY_ATTEMPTS } from './outbox-relay';

const cdkContext = JSON.parse(readFileSync(join(REPO_ROOT, 'cdk.json'), 'utf8')).context as {
  stages: Record<Stage, Record<string, unknown>>;
};

let stack: CallsStack;
let template: Template;
let app: App;
beforeAll(() => {
  app = new App({ context: cdkContext });
  stack = createStageStack(app, { stage: 'prod', stages: cdkContext.stages, code: { kind: 'placeholder' }, nag: true });
  template = Template.fromStack(stack);
}, 120_000);

const logicalId = (element: { node: { defaultChild?: unknown } }) => stack.getLogicalId(element.node.defaultChild as CfnElement);

describe('the outbox, deployed', () => {
  it('streams new images from the table and declares every index of the shared definition', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      StreamSpecification: { StreamViewType: 'NEW_IMAGE' },
      TimeToLiveSpecification: { AttributeName: 'expires_at', Enabled: true },
      GlobalSecondaryIndexes: tableDefinition.globalSecondaryIndexes.map((index) => Match.objectLike({ IndexName: index.indexName })),
    });
  });

  it('invokes the relay only for new outbox items, with bisecting, partial-batch retries and a DLQ', () => {
    const mapping = template.findResources('AWS::Lambda::EventSourceMapping', {
      Properties: { FunctionName: { Ref: logicalId(stack.outbox.relay.function) } },
    });
    const [properties] = Object.values(mapping).map((resource: any) => resource.Properties);
    expect(properties).toMatchObject({
      StartingPosition: 'TRIM_HORIZON',
      BisectBatchOnFunctionError: true,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      MaximumRetryAttempts: RELAY_RETRY_ATTEMPTS,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [logicalId(stack.outbox.deadLetterQueue), 'Arn'] } } },
    });
    expect(JSON.parse(properties.FilterCriteria.Filters[0].Pattern)).toEqual({
      eventName: ['INSERT'],
      dynamodb: { NewImage: { type: { S: ['event'] } } },
    });
  });

  it('lets only the relay put events on the bus', () => {
    const policies = template.findResources('AWS::IAM::Policy');
    const putters = Object.entries(policies).filter(([, policy]: [string, any]) =>
      JSON.stringify(policy.Properties.PolicyDocument).includes('events:PutEvents'),
    );
    expect(putters).toHaveLength(1);
    const roles = (putters[0]?.[1] as any).Properties.Roles.map((role: { Ref: string }) => role.Ref);
    expect(roles).toEqual([stack.getLogicalId(stack.outbox.relay.function.role?.node.defaultChild as CfnElement)]);
  });

  it('alarms on the outbox dead-letter queue and on relay errors, to the stage topic', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalId(stack.outbox.deadLetterQueue), 'QueueName'] } }],
      Threshold: 1,
      AlarmActions: [{ Ref: Match.anyValue() }],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalId(stack.outbox.relay.function) } }],
    });
  });

  it('runs the ring-timeout job every minute', () => {
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(1 minute)' });
  });

  it('passes cdk-nag with the outbox in place', () => {
    const errors = Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('AwsSolutions-.*'));
    expect(errors).toEqual([]);
  });
});
