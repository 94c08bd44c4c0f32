import { Alarm, ComparisonOperator, TreatMissingData, type IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';

export interface AlarmShape {
  evaluationPeriods: number;
  comparisonOperator: ComparisonOperator;
  treatMissingData: TreatMissingData;
}

/** The default: one datapoint at or over the threshold; no data (nothing happened) is fine. */
export const COUNT_ALARM: AlarmShape = {
  evaluationPeriods: 1,
  comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
  treatMissingData: TreatMissingData.NOT_BREACHING,
};

export interface NotifyingAlarmProps {
  metric: IMetric;
  threshold: number;
  description: string;
  stage: string;
  topic: ITopic;
  shape?: AlarmShape;
}

/** Every alarm of a stage: described with its stage, and telling the alarm topic when it fires and when it clears. */
export function notifyingAlarm(scope: Construct, id: string, props: NotifyingAlarmProps): Alarm {
  const alarm = new Alarm(scope, id, {
    metric: props.metric,
    threshold: props.threshold,
    ...(props.shape ?? COUNT_ALARM),
    alarmDescription: `[${props.stage}] ${props.description}`,
  });
  const action = new SnsAction(props.topic);
  alarm.addAlarmAction(action);
  alarm.addOkAction(action);
  return alarm;
}
