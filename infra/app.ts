// The CDK app (cdk.json: `npx tsx infra/app.ts`): one stack for the stage named by `-c stage=`.

import { App } from 'aws-cdk-lib';
import { createStageStack } from './stack';

const app = new App();
try {
  createStageStack(app, {
    stage: app.node.tryGetContext('stage'),
    stages: app.node.tryGetContext('stages'),
    callsEnabled: app.node.tryGetContext('callsEnabled'),
  });
} catch (error) {
  // A context mistake is the operator's to fix: say what is wrong, skip the stack trace.
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
app.synth();
