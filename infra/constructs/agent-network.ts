/**
 * Where agent tasks run. By default a new VPC with public subnets only and no NAT gateway: each
 * task gets a public IP for its outbound connections (LiveKit, Azure, ECR, Secrets Manager) and
 * its security group admits no inbound traffic. `privateSubnets` puts tasks behind one NAT
 * gateway instead (no public IP; costs an hourly NAT charge). `vpcId` reuses an existing VPC.
 */
import { IpAddresses, SecurityGroup, SubnetType, Vpc, type ISecurityGroup, type IVpc, type SubnetSelection } from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';

export interface AgentNetworkProps {
  /** Existing VPC to look up (needs credentials and an explicit account/region at synth). */
  vpcId?: string;
  /** Tasks in private subnets with egress through NAT, no public IP. */
  privateSubnets: boolean;
}

export class AgentNetwork extends Construct {
  readonly vpc: IVpc;
  readonly securityGroup: ISecurityGroup;
  readonly subnets: SubnetSelection;
  /** Whether tasks need a public IP to reach the internet (public subnets without NAT). */
  readonly assignPublicIp: boolean;

  constructor(scope: Construct, id: string, props: AgentNetworkProps) {
    super(scope, id);
    const subnetType = props.privateSubnets ? SubnetType.PRIVATE_WITH_EGRESS : SubnetType.PUBLIC;
    this.vpc = props.vpcId
      ? Vpc.fromLookup(this, 'Vpc', { vpcId: props.vpcId })
      : new Vpc(this, 'Vpc', {
          ipAddresses: IpAddresses.cidr('10.42.0.0/16'),
          maxAzs: 2,
          natGateways: props.privateSubnets ? 1 : 0,
          subnetConfiguration: [
            { name: 'public', subnetType: SubnetType.PUBLIC, cidrMask: 24 },
            ...(props.privateSubnets ? [{ name: 'agents', subnetType: SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 }] : []),
          ],
        });
    this.subnets = { subnetType };
    this.assignPublicIp = !props.privateSubnets;
    this.securityGroup = new SecurityGroup(this, 'AgentSecurityGroup', {
      vpc: this.vpc,
      description: 'Interpreter agent tasks: outbound only (LiveKit, Azure Speech, AWS APIs); no inbound',
      allowAllOutbound: true,
    });
  }

  /** Subnet ids as the launcher's `INTERPRETER_SUBNETS` wants them. */
  subnetIds(): string[] {
    return this.vpc.selectSubnets(this.subnets).subnetIds;
  }
}
