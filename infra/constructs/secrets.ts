/**
 * The two credentials the system needs, kept in Secrets Manager and never in plain environment:
 * the Azure Speech key (`{"key": "...", "region": "..."}`) and the LiveKit API key pair
 * (`{"apiKey": "...", "apiSecret": "..."}`). Either created with generated placeholders, to be
 * filled with `aws secretsmanager put-secret-value` (docs/deploy.md), or imported by ARN.
 */
import { Secret, type ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

export interface InterpreterSecretsProps {
  /** Complete ARN of an existing Azure Speech secret; absent: a placeholder secret is created. */
  azureSecretArn?: string;
  /** Complete ARN of an existing LiveKit secret; absent: a placeholder secret is created. */
  livekitSecretArn?: string;
}

/** JSON fields of each secret, as the task's secret references and the handler read them. */
export const AzureSecretField = { key: 'key', region: 'region' } as const;
export const LiveKitSecretField = { apiKey: 'apiKey', apiSecret: 'apiSecret' } as const;

const PLACEHOLDER = 'REPLACE_ME';

export class InterpreterSecrets extends Construct {
  readonly azureSpeech: ISecret;
  readonly livekit: ISecret;

  constructor(scope: Construct, id: string, props: InterpreterSecretsProps = {}) {
    super(scope, id);
    this.azureSpeech = props.azureSecretArn
      ? Secret.fromSecretCompleteArn(this, 'AzureSpeech', props.azureSecretArn)
      : new Secret(this, 'AzureSpeech', {
          description: 'Azure Speech resource key and region for the interpreter agents: {"key": "...", "region": "..."}',
          generateSecretString: {
            secretStringTemplate: JSON.stringify({ [AzureSecretField.region]: PLACEHOLDER }),
            generateStringKey: AzureSecretField.key,
          },
        });
    this.livekit = props.livekitSecretArn
      ? Secret.fromSecretCompleteArn(this, 'LiveKit', props.livekitSecretArn)
      : new Secret(this, 'LiveKit', {
          description: 'LiveKit API key and secret (webhook verification, agent tokens): {"apiKey": "...", "apiSecret": "..."}',
          generateSecretString: {
            secretStringTemplate: JSON.stringify({ [LiveKitSecretField.apiKey]: PLACEHOLDER }),
            generateStringKey: LiveKitSecretField.apiSecret,
          },
        });
  }
}
