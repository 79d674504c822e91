"""Billing rows covering every CCF classification path, for the CCF oracle (tests/test_ccf_oracle.py).

Each row is written through the real connectors (a legacy CUR CSV, an Azure EA cost-details CSV) for
``cloudcarbon --method ccf`` and given to Cloud Carbon Footprint's own npm packages (``oracle.js``) as the
equivalent Athena result row / Azure usage detail. Every row has an account / subscription of its own so
both sides give one figure per row. ``python -m tests.ccf_oracle.rows`` prints the agreement.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["AZURE_CRASH_ROWS", "AwsRow", "AzureRow", "GcpRow", "aws_rows", "azure_rows", "gcp_rows"]


@dataclass(frozen=True)
class AwsRow:
    """One row of CCF's Athena query: usage type, pricing unit, product code, product_vcpu, amount, cost."""

    usage_type: str
    unit: str
    service: str = "AmazonEC2"
    amount: float = 24.0
    cost: float = 2.0
    vcpus: str = ""
    region: str = "us-east-1"


@dataclass(frozen=True)
class AzureRow:
    """One Azure usage detail: meter category, meter name, unit of measure, quantity, cost, location."""

    category: str
    meter: str
    unit: str
    quantity: float = 24.0
    cost: float = 2.0
    region: str = "eastus"
    subcategory: str = ""


@dataclass(frozen=True)
class GcpRow:
    """One row of CCF's BigQuery query: SKU description, usage unit, service, machine_spec, amount, cost."""

    sku: str
    unit: str
    service: str = "Compute Engine"
    machine_type: str = ""  # system label compute.googleapis.com/machine_spec ("" = absent)
    amount: float = 4 * 86400.0  # 4 core-days in core-seconds
    cost: float = 2.0
    region: str = "us-central1"


def aws_rows() -> list[AwsRow]:
    r = AwsRow
    ec2 = [
        # compute per family: Intel, AMD, Graviton, burstable, GPU, m5zn/z1d chips, metal, xl suffix
        r("BoxUsage:m5.large", "Hrs", vcpus="2"),
        r("BoxUsage:m5.24xlarge", "Hrs", vcpus="96"),
        r("BoxUsage:m5.large", "Hrs", region="eu-west-1", amount=100.0, cost=9.6),
        r("USW2-BoxUsage:c5.xlarge", "Hrs", region="us-west-2"),
        r("BoxUsage:c6g.xlarge", "Hrs", vcpus="4"),
        r("BoxUsage:m6a.2xlarge", "Hrs", vcpus="8"),
        r("BoxUsage:r5.4xlarge", "Hrs"),
        r("BoxUsage:t3.micro", "Hrs", vcpus="2"),
        r("BoxUsage:t2.medium", "Hrs"),
        r("USW2-BoxUsage:p3.2xlarge", "Hrs", vcpus="8", region="us-west-2"),
        r("BoxUsage:g4dn.xlarge", "Hrs", vcpus="4"),
        r("BoxUsage:inf1.xlarge", "Hrs"),
        r("BoxUsage:m5zn.large", "Hrs"),
        r("BoxUsage:z1d.large", "Hrs"),
        r("BoxUsage:i3.metal", "Hrs"),
        r("SpotUsage:r5.2xl", "Hrs"),
        r("BoxUsage:x9z.large", "Hrs"),  # an instance CCF does not know
        r("CPUCredits:t3", "vCPU-Hours", amount=3.0, cost=0.15),
        r("DedicatedUsage:c5.large", "Hrs", vcpus="2"),
        r("HostBoxUsage:m5.large", "Hrs", cost=0.0),
        r("NatGateway-Hours", "Hrs", cost=1.08),
        r("EBS:VolumeUsage.gp2", "GB-Mo", amount=100.0, cost=10.0),
        r("EBS:VolumeUsage.gp3", "GB-Mo", amount=50.0, cost=4.0),
        r("EBS:VolumeUsage.st1", "GB-Mo", amount=500.0, cost=22.5),
        r("EBS:VolumeUsage", "GB-Mo", amount=20.0, cost=1.0),
        r("EBS:SnapshotUsage", "GB-Mo", amount=80.0, cost=4.0),
        r("DataTransfer-Out-Bytes", "GB", amount=120.0, cost=10.8),
        r("USE1-USW2-AWS-Out-Bytes", "GB", amount=40.0, cost=0.8),
        r("DataTransfer-In-Bytes", "GB", amount=40.0, cost=0.0),
        r("EBS:VolumeIOUsage", "IOs", amount=1e6, cost=0.05),
        r("BoxUsage:g5.2xlarge", "Hrs", vcpus="8"),
        r("BoxUsage:p4d.24xlarge", "Hrs", vcpus="96", amount=2.0, cost=65.0),
        r("BoxUsage:c7g.large", "Hrs"),
        r("BoxUsage:m6i.xlarge", "Hrs", region="ap-southeast-2"),
        r("BoxUsage:r6g.large", "Hrs", region="eu-central-1"),
        r("BoxUsage:t4g.small", "Hrs"),
        r("BoxUsage:m5.large", "Hrs", region="af-south-1"),
        r("BoxUsage:m5.large", "Hrs", region="us-gov-west-1"),
        r("BoxUsage:m4.large", "Hrs", vcpus="2"),
        r("BoxUsage:c4.8xlarge", "Hrs"),
        r("EBS:VolumeUsage.io1", "GB-Mo", amount=100.0, cost=12.5),
        r("EBS:VolumeUsage.sc1", "GB-Mo", amount=1000.0, cost=15.0),
        r("USE1-EBS:VolumeP-IOPS.piops", "IOPS-Mo", amount=1000.0, cost=65.0),
    ]
    other = [
        # prefixed families: db./cache. (all lookups) and ml./dax./dms./mq. (vCPU and GPU only)
        r("InstanceUsage:db.r5.large", "Hrs", "AmazonRDS", vcpus="2"),
        r("InstanceUsage:db.t3.medium", "Hrs", "AmazonRDS"),
        r("Multi-AZUsage:db.m5.xl", "Hrs", "AmazonRDS"),
        r("NodeUsage:cache.m5.large", "Hrs", "AmazonElastiCache"),
        r("USE1-Train:ml.m5.xlarge", "Hrs", "AmazonSageMaker"),
        r("USE1-Notebk:ml.t3.medium", "Hrs", "AmazonSageMaker"),
        r("USE1-Host:ml.p3.2xlarge", "Hrs", "AmazonSageMaker"),
        r("USE1-Host:ml.g4dn.xlarge", "Hrs", "AmazonSageMaker", vcpus="4"),
        r("USE1-NodeUsage:dax.r4.large", "Hrs", "AmazonDAX"),
        r("USE1-InstanceUsg:dms.c5.large", "Hrs", "AWSDatabaseMigrationSvc"),
        r("USE1-InstanceUsg:dms.t3.medium", "Hrs", "AWSDatabaseMigrationSvc"),
        r("USE1-BrokerUsage:mq.m5.large", "Hrs", "AmazonMQ"),
        r("USE1-Kafka.m5.large", "Hrs", "AmazonMSK"),
        r("USE1-ES:m5.large.search", "Hrs", "AmazonES"),
        # Redshift: dc2 / ds2 / ra3 with and without product_vcpu; the seconds unit becomes hours
        r("USE1-Node:dc2.large", "Hrs", "AmazonRedshift", vcpus="2"),
        r("USE1-Node:dc2.large", "Hrs", "AmazonRedshift", amount=48.0),
        r("USE1-Node:ra3.4xlarge", "Hrs", "AmazonRedshift"),
        r("USE1-Node:ra3.4xlarge", "Hrs", "AmazonRedshift", vcpus="12"),
        r("USE1-Node:ds2.xlarge", "Hrs", "AmazonRedshift"),
        r("USE1-RMS:ra3.xlplus", "Hrs", "AmazonRedshift"),
        r("USE1-Node:dc2.8xlarge", "seconds", "AmazonRedshift", amount=86400.0, vcpus="32"),
        r("USE1-RedshiftManagedStorage:ra3.4xlarge", "GB-Mo", "AmazonRedshift", amount=200.0),
        # Fargate, Glue, Aurora serverless, SimpleDB, Lambda, EKS, ECS
        r("USE1-Fargate-vCPU-Hours:perCPU", "hours", "AmazonECS", amount=48.0),
        r("USE1-Fargate-GB-Hours", "hours", "AmazonECS", amount=96.0),
        r("USE1-Fargate-EphemeralStorage-GB-Hours", "GB-Hours", "AmazonECS", amount=200.0),
        r("USE1-ETL-DPU-Hour", "DPU-Hour", "AWSGlue", amount=10.0),
        r("Aurora:ServerlessUsage", "ACU-Hr", "AmazonRDS", amount=16.0),
        r("BoxUsage", "Hrs", "AmazonSimpleDB", amount=5.0),
        r("Lambda-GB-Second", "Lambda-GB-Second", "AWSLambda", amount=3.6e6, cost=60.0),
        r("USE1-Lambda-GB-Second-ARM", "Lambda-GB-Second", "AWSLambda", amount=3.6e6, cost=48.0),
        r("USE1-Request", "Requests", "AWSLambda", amount=1e6, cost=0.2),
        r("USE1-AmazonEKS-Hours:perCluster", "Hours", "AmazonEKS", amount=720.0, cost=72.0),
        r("USE1-ECS-EC2-vCPU-Hours", "hours", "AmazonECS"),
        # storage: SSD / HDD usage types, SSD services, byte-hours in GB-Mo (the S3 defect), backups
        r("TimedStorage-ByteHrs", "GB-Mo", "AmazonS3", amount=1000.0, cost=23.0),
        r("TimedStorage-ZIA-ByteHrs", "GB-Mo", "AmazonS3", amount=300.0, cost=3.0),
        r("TimedStorage-GlacierByteHrs", "GB-Mo", "AmazonGlacier", amount=2000.0, cost=8.0),
        r("TimedStorage-ByteHrs", "GB-Mo", "AmazonDynamoDB", amount=25.0, cost=6.25),
        r("TimedPITRStorage-ByteHrs", "GB-Mo", "AmazonDynamoDB", amount=25.0, cost=5.0),
        r("USE1-TimedStorage-ByteHrs", "GB-Mo", "AmazonEFS", amount=60.0, cost=18.0),
        r("RDS:GP2-Storage", "GB-Mo", "AmazonRDS", amount=100.0, cost=11.5),
        r("RDS:Multi-AZ-StorageUsage", "GB-Mo", "AmazonRDS", amount=100.0, cost=23.0),
        r("RDS:ChargedBackupUsage", "GB-Mo", "AmazonRDS", amount=400.0, cost=38.0),
        r("Aurora:StorageUsage", "GB-Mo", "AmazonRDS", amount=50.0, cost=5.0),
        r("Aurora:BackupUsage", "GB-Mo", "AmazonRDS", amount=50.0, cost=1.05),
        r("USE1-BackupUsage", "GB-Mo", "AmazonDocDB", amount=10.0, cost=0.2),
        r("USE1-StorageUsage", "GB-Mo", "AmazonDocDB", amount=10.0, cost=1.0),
        r("USE1-Storage", "GB-Mo", "AmazonLightsail", amount=10.0, cost=1.0),
        r("USE1-ES:GP2-Storage", "GB-Mo", "AmazonES", amount=10.0, cost=1.35),
        r("USE1-TimedStorage-INT-FA-ByteHrs", "GB-Mo", "AmazonS3", amount=40.0, cost=0.9),
        r("USE1-Storage-Unknown", "GB-Mo", "AmazonWorkSpaces", amount=10.0, cost=1.0),
        # networking: CloudFront is not networking for CCF; GigaBytes unit
        r("DataTransfer-Out-Bytes", "GB", "AmazonCloudFront", amount=500.0, cost=42.5),
        r("USE1-DataTransfer-Regional-Bytes", "GigaBytes", "AmazonEC2", amount=30.0, cost=0.3),
        r("USE1-CW:DataProcessing-Bytes", "GB", "AmazonCloudWatch", amount=30.0, cost=15.0),
        # unknown usage: a usage type in CCF's list with a known unit (Hrs, GB), unknown units with and
        # without an estimated row of the same unit, and a service with no estimated row of the unit
        r("LoadBalancerUsage", "Hrs", "AWSELB", amount=720.0, cost=18.0),
        r("USE1-NatGateway-Bytes", "GB", "AmazonEC2", amount=100.0, cost=4.5),
        r("USE1-VpcEndpoint-Hours", "Hrs", "AmazonVPC", amount=720.0, cost=7.2),
        r("Requests-Tier1", "Requests", "AmazonS3", amount=1e6, cost=5.0),
        r("USE1-DataScanned", "Terabytes", "AmazonAthena", amount=2.0, cost=10.0),
        r("USE1-Dollar", "Dollar", "AWSSupportBusiness", amount=100.0, cost=100.0),
        r("USE1-Storage-Dollar", "GB-Mo", "AmazonS3", amount=1.0, cost=1.0),
        r("USE1-MemoryStore-ByteHrs", "GB-Mo", "AmazonTimestream", amount=1.0, cost=0.036),
        r("USE1-SoftwareUsage:m5.large", "Hrs", "AmazonEC2", amount=24.0, cost=2.0),
        r("USE1-TransitGateway-Bytes", "GB", "AmazonVPC", amount=50.0, cost=1.0),
        r("USE1-Kafka.mcu.general", "Hrs", "AmazonMSK", amount=24.0, cost=3.0),
        r("USE1-TimedStorage-ByteHrs", "GB-Hours", "AmazonS3", amount=2400.0, cost=0.1),
        r("USE1-ElastiCache:BackupUsage", "GB-Mo", "AmazonElastiCache", amount=10.0, cost=0.85),
        r("USE1-NodeUsage:cache.r6g.large", "Hrs", "AmazonElastiCache", vcpus="2"),
        r("USE1-InstanceUsage:db.r6g.xlarge", "Hrs", "AmazonRDS"),
        r("USE1-Train:ml.c5.2xlarge", "Hrs", "AmazonSageMaker", vcpus="8"),
        r("USE1-BrokerUsage:mq.t3.micro", "Hrs", "AmazonMQ"),
    ]
    return ec2 + other


def azure_rows() -> list[AzureRow]:
    r = AzureRow
    vm = "Virtual Machines"
    return [
        # compute: series sizes, constrained sizes, '/' meters, Spot, GPU, unknown size, pack units
        r(vm, "D2 v3/D2s v3", "1 Hour"),
        r(vm, "D4s v5", "1 Hour", region="westeurope"),
        r(vm, "D4s v5", "1 Hour", region="EastUS"),
        r(vm, "D2 v3/D2s v3", "1 Hour", region="eastus2"),
        r(vm, "D2 v3/D2s v3", "1 Hour", region="centralus"),
        r(vm, "D2 v3/D2s v3", "1 Hour", region="westus2"),
        r(vm, "D2 v3/D2s v3", "1 Hour", region="uksouth"),
        r(vm, "D2 v3/D2s v3", "1 Hour", region="US East"),
        r(vm, "D2 v3/D2s v3", "1 Hour", region="Unknown-Region"),
        r(vm, "E8 v3/E8s v3", "1 Hour"),
        r(vm, "F4s v2", "1 Hour"),
        r(vm, "B2ms", "1 Hour"),
        r(vm, "D4s v5 Spot", "1 Hour"),
        r(vm, "D2 v3/D2s v3 Spot", "1 Hour"),
        r(vm, "D16 v5 Low Priority", "1 Hour"),
        r(vm, "NC6", "1 Hour"),
        r(vm, "NC24ads A100 v4", "1 Hour"),
        r(vm, "ND40rs v2", "1 Hour"),
        r(vm, "E4-2ds v4", "1 Hour"),
        r(vm, "M416ms v2", "1 Hour"),
        r(vm, "Z9 v9", "1 Hour"),
        r(vm, "D2 v3/D2s v3", "10 Hours", quantity=2.4),
        r(vm, "D4s v5", "100 Hours", quantity=0.24),
        r(vm, "D2 v3/D2s v3", "1000 Hours", quantity=0.024),
        r(vm, "D8s v4", "10 Hour", quantity=2.4),
        r(vm, "D2 v3/D2s v3", "100 Hour", quantity=0.24),
        r(vm, "E16-4as v4", "1 Hour"),
        r(vm, "L8s v2", "1 Hour", region="northeurope"),
        r(vm, "DS2 v2", "1 Hour", region="japaneast"),
        r(vm, "A2 v2", "1 Hour", region="australiaeast"),
        r(vm, "NV12s v3", "1 Hour", region="westus"),
        r(vm, "D2a v4", "1 Hour", region="southcentralus"),
        r(vm, "D4ds v5", "1 Hour", region="westcentralus"),
        r(vm, "F2s v2", "1 Hour", region="canadacentral"),
        r("Azure App Service", "P1 v2", "1 Hour"),
        r("Azure App Service", "S1", "1 Hour"),
        r("Azure Database for PostgreSQL", "vCore", "1 Hour"),
        r("SQL Database", "vCore", "1 Hour"),
        r("Azure Cosmos DB", "100 RU/s", "100 Hours", quantity=7.2),
        # storage: managed disk tiers (SSD / HDD), LRS / GRS, TB/Month, container registry, unknown
        r("Storage", "P10 LRS Disk", "1 /Month", quantity=0.5, subcategory="Premium SSD Managed Disks"),
        r("Storage", "E10 LRS Disk", "1 /Month", quantity=0.5, subcategory="Standard SSD Managed Disks"),
        r("Storage", "S10 Disks", "1 /Month", quantity=0.5, subcategory="Standard HDD Managed Disks"),
        r("Storage", "LRS Data Stored", "1 GB/Month", quantity=100.0),
        r("Storage", "Hot LRS Data Stored", "1 GB/Month", quantity=100.0),
        r("Storage", "GRS Data Stored", "1 GB/Month", quantity=100.0),
        r("Storage", "Cool ZRS Data Stored", "1 GB/Month", quantity=50.0),
        r("Storage", "Archive Data Stored", "1 TB/Month", quantity=0.5),
        r("Storage", "Hot Write Operations", "10K", quantity=3.0, cost=0.15),
        r("Storage", "Data Stored", "100 GB/Month", quantity=2.0),
        r("Container Registry", "Standard Registry Unit", "1 /Day", quantity=30.0),
        r("Storage", "Snapshots", "1 GB/Month", quantity=10.0),
        r("Storage", "P30 LRS Disk", "1 /Month", quantity=1.0, subcategory="Premium SSD Managed Disks"),
        r("Storage", "E4 LRS Disk", "1 /Month", quantity=1.0, subcategory="Standard SSD Managed Disks"),
        r("Storage", "S4 Disks", "1 /Month", quantity=1.0, subcategory="Standard HDD Managed Disks"),
        r("Storage", "LRS Data Stored", "10 GB/Month", quantity=10.0),
        r("Storage", "Data Stored", "100 /Month", quantity=1.0),
        r("SQL Database", "10 DTUs", "10 /Day", quantity=3.0),
        r("SQL Database", "S0 DTUs", "30 /Day", quantity=1.0),
        r("Backup", "Azure VM Protected Instances", "1 /Month", quantity=1.0),
        r("Azure Monitor", "Pay-as-you-go Data at Rest", "1 GB/Month", quantity=5.0),
        # networking
        r("Bandwidth", "Standard Data Transfer Out", "1 GB", quantity=120.0),
        r("Bandwidth", "Inter-Region Data Transfer Out", "1 GB", quantity=30.0),
        r("Bandwidth", "Data Transfer Out To Any Destination", "1 GB", quantity=30.0),
        r("Bandwidth", "Data Transfer In", "1 GB", quantity=30.0),
        r("Bandwidth", "Standard Data Transfer Out", "1 TB", quantity=0.1),
        r("Bandwidth", "Standard Data Transfer Out", "10 GB", quantity=3.0),
        r("Bandwidth", "Standard Data Transfer Out", "100 GB", quantity=0.3),
        r("Bandwidth", "Geo-Replication v2 Data transfer", "200 GB", quantity=0.2),
        # memory meters: Functions execution time, GB hours, Redis cache, container memory
        r("Functions", "Standard Execution Time", "50000 GB Seconds", quantity=4.0),
        r("Functions", "Execution Time", "1 GB Second", quantity=360000.0),
        r("Azure Container Apps", "Standard Memory Active Usage", "1 GB Hour", quantity=48.0),
        r("Azure Container Instances", "Standard Memory Duration", "1 GB Hour", quantity=48.0),
        r("Redis Cache", "C1 Cache Instance", "1 Hour"),
        r("Azure Kubernetes Service", "Memory Duration", "1000 GB Hours", quantity=0.5),
        # whole-word list matches: 'Rules' / 'License' / 'LRS' inside longer words must not match
        r("Azure Firewall", "Standard Rules", "1 Hour"),
        r("Azure Front Door Service", "Rulesets", "1 /Month"),
        r("Virtual Machines Licenses", "D2 v3/D2s v3", "1 Hour"),
        r("Storage", "LRSX Data Stored", "1 GB/Month", quantity=10.0),
        r("Storage", "Nodes Data", "1 GB/Month", quantity=10.0),
        r("Bandwidth", "Egressing Zone", "1 GB", quantity=10.0),
        # unknown usage: an unknown service, an unknown meter, units with and without estimated rows
        r("Load Balancer", "Standard Data Processed", "1 GB", quantity=200.0),
        r("Azure Bastion", "Standard Gateway", "1 Hour", quantity=720.0),
        r("Functions", "Total Executions", "10", quantity=100.0),
        r("Storage", "Read Operations", "10K", quantity=50.0),
        r("Azure DNS", "Public Queries", "1M", quantity=2.0),
        r("Log Analytics", "Requests", "1 GB", quantity=5.0),
        r("Event Hubs", "Standard Throughput Unit", "1 /Day", quantity=30.0),
        r("Azure App Service", "Custom Domain", "1 /Month", quantity=1.0),
        # CCF's default branch (a unit it lists by substring but does not handle): a zero estimate
        r("Storage", "Premium Page Blob", "1 GB/Month/Day", quantity=10.0),
    ]


GIB = float(2**30)
GIB_MONTH = GIB * 31 * 86400  # byte-seconds of one GiB held through October


def gcp_rows() -> list[GcpRow]:
    r = GcpRow
    return [
        # compute per machine family (series from the first two letters of machine_spec)
        r("N1 Predefined Instance Core running in Americas", "seconds", machine_type="n1-standard-4"),
        r("N1 Predefined Instance Core running in Americas", "seconds", machine_type="n1-highmem-96"),
        r("N2 Instance Core running in Americas", "seconds", machine_type="n2-standard-8"),
        r("N2D AMD Instance Core running in Americas", "seconds", machine_type="n2d-standard-4"),
        r("T2D AMD Instance Core running in Americas", "seconds", machine_type="t2d-standard-4"),
        r("E2 Instance Core running in Americas", "seconds", machine_type="e2-standard-4"),
        r("Compute optimized Core running in Americas", "seconds", machine_type="c2-standard-8"),
        r("C2D AMD Instance Core running in Americas", "seconds", machine_type="c2d-standard-8"),
        r("Memory-optimized Instance Core running in Americas", "seconds", machine_type="m1-ultramem-40"),
        r("M2 Memory-optimized Instance Core running in Americas", "seconds", machine_type="m2-ultramem-208"),
        r("A2 Instance Core running in Americas", "seconds", machine_type="a2-highgpu-1g"),
        r(
            "N1 Predefined Instance Core running in EMEA",
            "seconds",
            machine_type="n1-standard-4",
            region="europe-west1",
        ),
        r("N2 Instance Core running in APAC", "seconds", machine_type="n2-standard-8", region="asia-east1"),
        r(
            "E2 Instance Core running in Americas",
            "seconds",
            machine_type="e2-standard-4",
            region="xx-nowhere1",
        ),
        r(
            "N1 Predefined Instance Core running in Americas",
            "seconds",
            machine_type="n1-standard-4",
            region="us",
        ),
        # shared-core and custom machine types; a core row without machine_spec; an unknown series
        r("E2 Instance Core running in Americas", "seconds", machine_type="e2-medium"),
        r("E2 Instance Core running in Americas", "seconds", machine_type="e2-micro"),
        r("E2 Instance Core running in Americas", "seconds", machine_type="e2-small"),
        r("Micro Instance with burstable CPU running in Americas", "seconds", machine_type="f1-micro"),
        r("Small Instance with 1 VCPU running in Americas", "seconds", machine_type="g1-small"),
        r("Custom Instance Core running in Americas", "seconds", machine_type="custom-4-16384"),
        r("N2 Custom Instance Core running in Americas", "seconds", machine_type="n2-custom-4-8192"),
        r("N1 Predefined Instance Core running in Americas", "seconds"),
        r("C3 Instance Core running in Americas", "seconds", machine_type="c3-standard-8"),
        r("Spot Preemptible N2 Instance Core running in Americas", "seconds", machine_type="n2-standard-8"),
        r("Sole Tenancy Instance Core running in Americas", "seconds", machine_type="n1-standard-4"),
        r("Commitment v1: Cpu in Americas for 1 Year", "seconds"),
        # GPUs: CCF's six GPU models by prefix, others (the average of the six)
        r("Nvidia Tesla T4 GPU running in Americas", "seconds", machine_type="n1-standard-4"),
        r("Nvidia Tesla K80 GPU running in Americas", "seconds", machine_type="n1-standard-4"),
        r("Nvidia Tesla V100 GPU running in Americas", "seconds", machine_type="n1-standard-8"),
        r("Nvidia Tesla A100 GPU running in Americas", "seconds", machine_type="a2-highgpu-1g"),
        r("Nvidia Tesla P4 GPU running in Americas", "seconds"),
        r("Nvidia Tesla P100 GPU running in EMEA", "seconds", region="europe-west4"),
        r("Nvidia T4 GPU running in Americas", "seconds"),
        r("Nvidia L4 GPU running in Americas", "seconds", machine_type="g2-standard-4"),
        r("Commitment v1: Nvidia Tesla T4 GPU in Americas for 1 Year", "seconds"),
        # TPU (CCF: the Cloud TPU service is unknown usage)
        r("Tpu-v3 Pod Core running in Americas", "seconds", service="Cloud TPU"),
        # GKE, Cloud Composer (fixed vCPUs per environment / cluster; e2-medium), Autopilot
        r("Regional Kubernetes Clusters", "seconds", service="Kubernetes Engine", amount=720 * 3600.0),
        r("Zonal Kubernetes Clusters", "seconds", service="Kubernetes Engine", amount=720 * 3600.0),
        r("Autopilot Kubernetes Clusters", "seconds", service="Kubernetes Engine", amount=720 * 3600.0),
        r("Autopilot Pod mCPU Requests (us-central1)", "seconds", service="Kubernetes Engine", amount=9e8),
        r(
            "Autopilot Pod Memory Requests (us-central1)",
            "byte-seconds",
            service="Kubernetes Engine",
            amount=GIB_MONTH,
        ),
        r("Cloud Composer vCPU time in Iowa", "seconds", service="Cloud Composer", amount=720 * 3600.0),
        r("Cloud Composer Compute CPUs", "seconds", service="Cloud Composer", amount=720 * 3600.0),
        r("Cloud Composer SQL vCPU time in Iowa", "seconds", service="Cloud Composer", amount=720 * 3600.0),
        r(
            "Cloud Composer Data storage in Iowa",
            "byte-seconds",
            service="Cloud Composer",
            amount=10 * GIB_MONTH,
        ),
        # Cloud SQL, Memorystore, Spanner, Filestore, App Engine, Dataflow: replication and unknown lists
        r("Cloud SQL for MySQL: Zonal - vCPU in Americas", "seconds", service="Cloud SQL"),
        r("Cloud SQL for PostgreSQL: HA - vCPU in Americas", "seconds", service="Cloud SQL"),
        r(
            "DB custom CORE running in Americas",
            "seconds",
            service="Cloud SQL",
            machine_type="db-custom-2-7680",
        ),
        r(
            "Cloud SQL for MySQL: Zonal - RAM in Americas",
            "byte-seconds",
            service="Cloud SQL",
            amount=8 * GIB_MONTH,
        ),
        r(
            "Cloud SQL for MySQL: Regional - Standard storage in Americas",
            "byte-seconds",
            service="Cloud SQL",
            amount=100 * GIB_MONTH,
        ),
        r(
            "Cloud SQL for MySQL: Zonal - SSD storage in Americas",
            "byte-seconds",
            service="Cloud SQL",
            amount=100 * GIB_MONTH,
        ),
        r("Cloud SQL: Backups in Americas", "byte-seconds", service="Cloud SQL", amount=50 * GIB_MONTH),
        r(
            "Redis Capacity Standard M1 Iowa",
            "byte-seconds",
            service="Cloud Memorystore for Redis",
            amount=5 * GIB_MONTH,
        ),
        r(
            "Redis Capacity Basic M1 Iowa",
            "byte-seconds",
            service="Cloud Memorystore for Redis",
            amount=5 * GIB_MONTH,
        ),
        r("Spanner Instance Regional", "seconds", service="Cloud Spanner", amount=720 * 3600.0),
        r("Spanner Instance Multi-Region", "seconds", service="Cloud Spanner", amount=720 * 3600.0),
        r("Spanner Regional Storage", "byte-seconds", service="Cloud Spanner", amount=10 * GIB_MONTH),
        r("Filestore Capacity Standard", "byte-seconds", service="Cloud Filestore", amount=1024 * GIB_MONTH),
        r("Filestore Capacity Premium", "byte-seconds", service="Cloud Filestore", amount=2560 * GIB_MONTH),
        r(
            "Filestore High Scale SSD Capacity",
            "byte-seconds",
            service="Cloud Filestore",
            amount=2560 * GIB_MONTH,
        ),
        r("Frontend Instances", "seconds", service="App Engine", amount=720 * 3600.0),
        r("vCPU Time Streaming Iowa", "seconds", service="Cloud Dataflow", amount=100 * 3600.0),
        r("RAM Time Streaming Iowa", "byte-seconds", service="Cloud Dataflow", amount=400 * GIB * 3600),
        r("Shuffle Time Streaming Iowa", "byte-seconds", service="Cloud Dataflow", amount=GIB_MONTH),
        # storage: persistent disk HDD / SSD / balanced / regional, snapshots and images by region kind
        r("Storage PD Capacity", "byte-seconds", amount=500 * GIB_MONTH),
        r("SSD backed PD Capacity", "byte-seconds", amount=200 * GIB_MONTH),
        r("Balanced PD Capacity", "byte-seconds", amount=200 * GIB_MONTH),
        r("Regional Storage PD Capacity", "byte-seconds", amount=200 * GIB_MONTH),
        r("Regional SSD backed PD Capacity", "byte-seconds", amount=200 * GIB_MONTH),
        r("Storage PD Snapshot in US", "byte-seconds", amount=50 * GIB_MONTH, region="us"),
        r("Storage PD Snapshot", "byte-seconds", amount=50 * GIB_MONTH, region="nam4"),
        r("Storage PD Snapshot", "byte-seconds", amount=50 * GIB_MONTH),
        r("Storage Image", "byte-seconds", amount=20 * GIB_MONTH, region="europe-west1"),
        r(
            "Standard Storage US Multi-region",
            "byte-seconds",
            service="Cloud Storage",
            amount=1000 * GIB_MONTH,
            region="us",
        ),
        r(
            "Standard Storage Dual-region",
            "byte-seconds",
            service="Cloud Storage",
            amount=1000 * GIB_MONTH,
            region="nam4",
        ),
        r("Standard Storage Iowa", "byte-seconds", service="Cloud Storage", amount=1000 * GIB_MONTH),
        r(
            "Nearline Storage Belgium",
            "byte-seconds",
            service="Cloud Storage",
            amount=1000 * GIB_MONTH,
            region="europe-west1",
        ),
        # memory: RAM SKUs (byte-seconds); a SKU naming memory and vCPU together is storage in CCF
        r(
            "N1 Predefined Instance Ram running in Americas",
            "byte-seconds",
            machine_type="n1-standard-4",
            amount=15 * GIB * 96 * 3600,
        ),
        r(
            "E2 Instance Ram running in Americas",
            "byte-seconds",
            machine_type="e2-standard-4",
            amount=16 * GIB * 96 * 3600,
        ),
        r(
            "Memory-optimized Instance Ram running in Americas",
            "byte-seconds",
            machine_type="m1-ultramem-40",
            amount=961 * GIB * 96 * 3600,
        ),
        r(
            "Custom Extended Instance Ram running in EMEA",
            "byte-seconds",
            amount=64 * GIB * 96 * 3600,
            region="europe-west1",
        ),
        r("Memory and vCPU Time", "byte-seconds", amount=GIB * 96 * 3600),
        r("RAM", "byte-seconds", service="Cloud Run", amount=GIB * 96 * 3600),
        # networking (bytes): egress / download / data delivery; ingress is unknown usage
        r("Network Internet Egress from Americas to Americas", "bytes", amount=500 * GIB),
        r("Network Inter Zone Egress", "bytes", amount=100 * GIB),
        r("Network Egress via Carrier Peering Network - Americas Based", "bytes", amount=100 * GIB),
        r(
            "Download Worldwide Destinations (excluding Asia & Australia)",
            "bytes",
            service="Cloud Storage",
            amount=100 * GIB,
        ),
        r("Cloud CDN data delivery from North America", "bytes", service="Networking", amount=100 * GIB),
        r("Network Inter Region Ingress from EMEA to Americas", "bytes", amount=100 * GIB),
        r("Inter-region GCP Egressing traffic", "bytes", amount=100 * GIB),
        r("BigQuery Analysis", "bytes", service="BigQuery", amount=2.0 * 2**40),
        # unsupported: fees, IPs, VPN, cache fill
        r("Licensing Fee for Windows Server 2019 Datacenter Edition (CPU cost)", "seconds"),
        r("External IP Charge on a Standard VM", "seconds", amount=720 * 3600.0),
        r("Static Ip Charge", "seconds", amount=720 * 3600.0),
        r("Vpn Tunnel", "seconds", service="Networking", amount=720 * 3600.0),
        r("Cache Fill from North America to North America", "bytes", service="Networking", amount=10 * GIB),
        r("Support Service Charge", "seconds", service="Support"),
        # unknown usage: unknown services / SKUs / units, with and without an estimated row of the unit
        r("Cloud Functions Invocations", "requests", service="Cloud Functions", amount=2e6),
        r("DNS Query (port 53)", "requests", service="Cloud DNS", amount=1e6),
        r("Secret version replica storage", "seconds", service="Secret Manager", amount=720 * 3600.0),
        r(
            "Active symmetric key versions",
            "seconds",
            service="Cloud Key Management Service",
            amount=720 * 3600.0,
        ),
        r("CPU Allocation Time", "seconds", service="Cloud Run", amount=100 * 3600.0),
        r("Log Volume", "bytes", service="Stackdriver", amount=10 * GIB),
        r("NAT Gateway: Uptime charge", "seconds", service="Networking", amount=720 * 3600.0),
        r("IP address reserved", "seconds", service="Networking", amount=720 * 3600.0),
        r("Build time", "seconds", service="Cloud Build", amount=3600.0 * 10),
        r(
            "Cloud Load Balancer Forwarding Rule Minimum Global",
            "seconds",
            service="Networking",
            amount=720 * 3600.0,
        ),
        r("BigQuery BI Engine Capacity", "byte-seconds", service="BigQuery", amount=GIB_MONTH),
        # a row without a SKU description (CCF: unknown usage)
        r("", "seconds", service="Compute Engine", amount=3600.0),
        # units CCF's query leaves out, and a cost-only row
        r("Streaming Insert", "gibibyte", service="BigQuery", amount=5.0),
        r("Cloud Monitoring metric volume", "mebibyte", service="Cloud Monitoring", amount=50.0),
        r("Class A Operations", "count", service="Cloud Storage", amount=1e5),
        r("Compute Engine Reserved Instance", "hour", amount=24.0),
    ]


#: Rows CCF itself crashes on (the whole batch fails): a managed disk tier missing from CCF's SSD
#: table (S30 is HDD; 'LRS' makes it SSD storage, then the P/E tier lookup returns nothing)
AZURE_CRASH_ROWS = [
    AzureRow("Storage", "S30 LRS Disk", "1 /Month", quantity=1.0, subcategory="Standard HDD Managed Disks")
]
