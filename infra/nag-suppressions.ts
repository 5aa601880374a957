/**
 * cdk-nag (AwsSolutionsChecks) findings this design accepts, each with its reason, acknowledged
 * on the one construct it concerns (cdk-nag v3 uses CDK's `Validations.of().acknowledge()` in
 * place of v2's `NagSuppressions`). Anything not listed here fails the nag test.
 */
import { Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import type { AgentNetwork } from './constructs/agent-network.ts';
import type { InterpreterSecrets } from './constructs/secrets.ts';
import type { InterpreterTask } from './constructs/interpreter-task.ts';
import type { LaunchLedger } from './constructs/launch-ledger.ts';
import type { WorkerPool } from './constructs/worker-pool.ts';

export interface AcknowledgedParts {
  secrets: InterpreterSecrets;
  network: AgentNetwork;
  task: InterpreterTask;
  ledger: LaunchLedger;
  /** With `launch: dispatch`. */
  pool?: WorkerPool;
  /** The roles of the webhook and reconcile functions. */
  launcherRoles: IConstruct[];
}

export function acknowledgeAcceptedFindings(parts: AcknowledgedParts): void {
  const { secrets, network, task, ledger, launcherRoles, pool } = parts;

  Validations.of(ledger.table).acknowledge({
    id: 'AwsSolutions-DDB3',
    reason: 'The ledger holds handled webhook ids and launched room sids that expire within two days (TTL); nothing in it is worth restoring, and a lost table only means a duplicate webhook could launch again until reconcile sees the running agent.',
  });

  for (const secret of [secrets.azureSpeech, secrets.livekit]) {
    Validations.of(secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: 'The values are credentials issued by Azure and LiveKit; they are rotated at their issuer and then written here with put-secret-value. A Secrets Manager rotation Lambda cannot issue them.',
    });
  }

  Validations.of(network.vpc).acknowledge({
    id: 'AwsSolutions-VPC7',
    reason: 'The VPC only carries outbound connections of short-lived agent tasks (no inbound rules at all); flow logs would add cost without an audit need. Attach them to the VPC if your policy requires.',
  });

  Validations.of(task.cluster).acknowledge({
    id: 'AwsSolutions-ECS4',
    reason: 'Tasks live for one meeting each; their logs go to CloudWatch with retention. Container Insights would bill per-task metrics for little benefit; enable it on the cluster if wanted.',
  });
  Validations.of(task.taskDefinition).acknowledge({
    id: 'AwsSolutions-ECS2',
    reason: 'The only plain environment values are the LiveKit server URL and the path of the profile bundle inside the image; neither is secret. Credentials come from Secrets Manager as ECS secrets.',
  });
  Validations.of(task.taskDefinition).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason: 'ecr:GetAuthorizationToken (added by CDK to the execution role for image pulls) has no resource-level permissions; every other execution-role statement names its repository, log group or secret.',
  });

  const clusterId = Stack.of(task).getLogicalId(task.cluster.node.defaultChild as never);
  if (pool) {
    Validations.of(task.taskDefinition.taskRole).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ecs:<AWS::Region>:<AWS::AccountId>:task/<${clusterId}>/*]`,
      reason: 'A worker protects its own task from scale-in (the ECS agent endpoint calls ecs:UpdateTaskProtection with this role). Task ids are assigned when the service starts a task, so the statement names the tasks of this cluster (task/<cluster>/*); the role belongs to the worker task alone.',
    });
    return;
  }

  const tasksOfCluster = `Resource::arn:<AWS::Partition>:ecs:<AWS::Region>:<AWS::AccountId>:task/<${Stack.of(task).getLogicalId(task.cluster.node.defaultChild as never)}>/*`;
  for (const role of launcherRoles) {
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'ecs:ListTasks has no resource type; the statement is limited to this cluster by an ecs:cluster ArnEquals condition.',
    });
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[${tasksOfCluster}]`,
      reason: 'Task ids are assigned at RunTask, so StopTask/DescribeTasks/TagResource name the tasks of this cluster (task/<cluster>/*), further limited by the ecs:cluster condition (TagResource: only during RunTask).',
    });
  }
}
