import { api } from "./api";
import { fanOutFailures, fanOutFunctionName } from "./fan-out";
import { alarmSubscriptionFor } from "./stage-settings";

/**
 * The alarms of the push path and the REST API, and the topic they notify. What each means and
 * what to do when it fires: docs/deploy.md, "Alarms".
 */
export const alarmTopic = new sst.aws.SnsTopic("Alarms");

/**
 * Who hears the alarms (infra/stage-settings.ts): an e-mail address or an `https://` URL,
 * `npx sst secret set AlarmEndpoint ops@example.com --stage production`. Unset, the topic has
 * no subscriber and the alarms show in the CloudWatch console only.
 */
export const alarmEndpoint = new sst.Secret("AlarmEndpoint", "");

$util.unsecret(alarmEndpoint.value).apply((value) => {
  const subscription = alarmSubscriptionFor(value);
  if (subscription) new aws.sns.TopicSubscription("AlarmsSubscription", { topic: alarmTopic.arn, ...subscription });
});

const alarmName = (name: string) => `${$app.name}-${$app.stage}-${name}`;

/** Every alarm notifies the topic when it fires and when it recovers. */
const notify = { alarmActions: [alarmTopic.arn], okActions: [alarmTopic.arn] };

/**
 * The stream trigger is behind: the oldest record it just read had waited over a minute, three
 * minutes in a row. Stream → Lambda normally takes well under a second; a minute means batches
 * are failing and being retried, timing out, or the fan-out cannot keep up. Without traffic
 * there are no data points, which is not a problem.
 */
export const fanOutIteratorAgeAlarm = new aws.cloudwatch.MetricAlarm("FanOutIteratorAgeAlarm", {
  name: alarmName("fan-out-iterator-age"),
  alarmDescription: "The fan-out is over a minute behind the table's stream (docs/deploy.md, Alarms)",
  namespace: "AWS/Lambda",
  metricName: "IteratorAge",
  dimensions: { FunctionName: fanOutFunctionName },
  statistic: "Maximum",
  period: 60,
  evaluationPeriods: 3,
  datapointsToAlarm: 3,
  threshold: 60_000,
  comparisonOperator: "GreaterThanThreshold",
  treatMissingData: "notBreaching",
  ...notify,
});

/**
 * The fan-out function itself failed: a crash, an uncaught error or a timeout (failed records
 * are reported as partial batch failures and are not errors; they end in the failure queue).
 * Any one is worth a look: every such invocation fails and retries its whole batch.
 */
export const fanOutErrorsAlarm = new aws.cloudwatch.MetricAlarm("FanOutErrorsAlarm", {
  name: alarmName("fan-out-errors"),
  alarmDescription: "The fan-out function crashed or timed out (docs/deploy.md, Alarms)",
  namespace: "AWS/Lambda",
  metricName: "Errors",
  dimensions: { FunctionName: fanOutFunctionName },
  statistic: "Sum",
  period: 300,
  evaluationPeriods: 1,
  threshold: 0,
  comparisonOperator: "GreaterThanThreshold",
  treatMissingData: "notBreaching",
  ...notify,
});

/**
 * The stream trigger gave up on a range of records: some push never reached its subscribers
 * through the stream. One message is one incident; replay it (docs/deploy.md, "Replaying
 * failed fan-outs").
 */
export const fanOutFailuresAlarm = new aws.cloudwatch.MetricAlarm("FanOutFailuresAlarm", {
  name: alarmName("fan-out-failures"),
  alarmDescription: "The fan-out gave up on stream records; replay them (docs/deploy.md, Alarms)",
  namespace: "AWS/SQS",
  metricName: "ApproximateNumberOfMessagesVisible",
  dimensions: { QueueName: fanOutFailures.nodes.queue.name },
  statistic: "Maximum",
  period: 60,
  evaluationPeriods: 1,
  threshold: 0,
  comparisonOperator: "GreaterThanThreshold",
  treatMissingData: "notBreaching",
  ...notify,
});

/**
 * The REST API answered 5xx: a handler's INTERNAL error, a Lambda crash, timeout or throttle.
 * Five in five minutes, not one: a lone 5xx (a cold start cut short, a retried request) is
 * noise the web client retries through; five is a pattern.
 */
export const apiServerErrorsAlarm = new aws.cloudwatch.MetricAlarm("ApiServerErrorsAlarm", {
  name: alarmName("api-5xx"),
  alarmDescription: "The HTTP API answered 5xx five times or more in five minutes (docs/deploy.md, Alarms)",
  namespace: "AWS/ApiGateway",
  metricName: "5xx",
  dimensions: { ApiId: api.nodes.api.id },
  statistic: "Sum",
  period: 300,
  evaluationPeriods: 1,
  threshold: 5,
  comparisonOperator: "GreaterThanOrEqualToThreshold",
  treatMissingData: "notBreaching",
  ...notify,
});
