import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Code } from 'aws-cdk-lib/aws-lambda';
import { describe, expect, it } from 'vitest';
import { CallsFunction } from './calls-function';

function functionEnvironment(enableSourceMaps?: boolean) {
  const stack = new Stack(new App(), 'Test');
  new CallsFunction(stack, 'Fn', {
    code: Code.fromInline('exports.handler = async () => 1;'),
    logRetentionDays: 7,
    retainLogs: false,
    environment: { STAGE: 'dev' },
    ...(enableSourceMaps === undefined ? {} : { enableSourceMaps }),
  });
  const functions = Template.fromStack(stack).findResources('AWS::Lambda::Function');
  return (Object.values(functions)[0] as { Properties: { Environment: { Variables: Record<string, string> } } }).Properties.Environment
    .Variables;
}

describe('CallsFunction source maps', () => {
  it('leaves --enable-source-maps off by default: it costs every cold start', () => {
    expect(functionEnvironment()).toEqual({ STAGE: 'dev' });
    expect(functionEnvironment(false)).not.toHaveProperty('NODE_OPTIONS');
  });

  it('turns it on when the stage asks', () => {
    expect(functionEnvironment(true)).toEqual({ STAGE: 'dev', NODE_OPTIONS: '--enable-source-maps' });
  });
});
