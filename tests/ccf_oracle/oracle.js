#!/usr/bin/env node
// Cloud Carbon Footprint's own npm packages (Apache-2.0) run on hand-made billing rows, offline:
// the test oracle for `cloudcarbon --method ccf` (tests/test_ccf_oracle.py).
//
// stdin: {"month": "YYYY-MM", "aws": [row...], "azure": [row...], "gcp": [row...]}
//   aws row:   {account, region, service, usageType, unit, vcpus, amount, cost}  (CCF's Athena columns)
//   azure row: {subscription, region, category, meter, unit, quantity, cost}     (a "modern" usage detail)
//   gcp row:   {project, region, service, sku, unit, machineType, amount, cost}   (CCF's BigQuery columns)
// stdout: {"aws": {account: {kwh, co2e}}, "azure": {...}, "gcp": {project: {...}}, "versions": {...}}
// GCP: @cloud-carbon-footprint/gcp is not on the npm registry, so its billing-export sources are vendored
// unmodified (gcp/, see gcp/README.md) and transpiled at install time into CCF_ORACLE_GCP (build_gcp.js);
// they run against the npm core/common versions that CCF's gcp package.json declares.
// Each row has an account / subscription of its own, so CCF's grouped output is one entry per row;
// rows without an entry got no estimate from CCF. Each provider's rows run as one batch (CCF's
// unknown-usage ratios are built over the whole batch). No network: the Athena service wrapper and the
// Azure consumption client are replaced by fakes that return the rows; ELECTRICITY_MAPS_TOKEN is unset
// so CCF uses its own static grid factors.
'use strict'

const path = require('path')

const MODULES = process.env.CCF_ORACLE_MODULES || path.join(__dirname, 'node_modules')
const req = (name) => require(path.join(MODULES, name))

delete process.env.ELECTRICITY_MAPS_TOKEN
process.env.AWS_USE_BILLING_DATA = 'true'
process.env.AWS_ATHENA_DB_NAME = 'oracle'
process.env.AWS_ATHENA_DB_TABLE = 'oracle'
process.env.AWS_ATHENA_QUERY_RESULT_LOCATION = 's3://oracle/'
process.env.AWS_ATHENA_REGION = 'us-east-1'
process.env.AZURE_USE_BILLING_DATA = 'true'
process.env.LOGGING_MODE = 'test'
process.env.NODE_ENV = 'test'
process.env.GCP_USE_BILLING_DATA = 'true'
process.env.GCP_BIG_QUERY_TABLE = 'oracle.oracle.oracle'
delete process.env.GCP_PROJECTS
delete process.env.GCP_RESOURCE_TAG_NAMES
delete process.env.GCP_VCPUS_PER_CLOUD_COMPOSER_ENVIRONMENT
delete process.env.GCP_VCPUS_PER_GKE_CLUSTER

const core = req('@cloud-carbon-footprint/core')
const aws = req('@cloud-carbon-footprint/aws')
const azure = req('@cloud-carbon-footprint/azure')

function estimators(C) {
  return [
    new core.ComputeEstimator(),
    new core.StorageEstimator(C.SSDCOEFFICIENT),
    new core.StorageEstimator(C.HDDCOEFFICIENT),
    new core.NetworkingEstimator(C.NETWORKING_COEFFICIENT),
    new core.MemoryEstimator(C.MEMORY_COEFFICIENT),
    new core.UnknownEstimator(C.ESTIMATE_UNKNOWN_USAGE_BY),
    new core.EmbodiedEmissionsEstimator(C.SERVER_EXPECTED_LIFESPAN),
  ]
}

function perRow(results, key) {
  const out = {}
  for (const day of results) {
    for (const e of day.serviceEstimates) {
      const k = e[key]
      const prev = out[k] || { kwh: 0, co2e: 0, n: 0 }
      out[k] = { kwh: prev.kwh + e.kilowattHours, co2e: prev.co2e + e.co2e, n: prev.n + 1 }
    }
  }
  return out
}

function bounds(month) {
  const [y, m] = month.split('-').map(Number)
  return [new Date(Date.UTC(y, m - 1, 1)), new Date(Date.UTC(y, m, 0, 23, 59, 59))]
}

async function runAws(rows, month) {
  if (!rows.length) return {}
  const cell = (v) => ({ VarCharValue: v === null || v === undefined ? '' : String(v) })
  const header = ['timestamp', 'accountName', 'region', 'serviceName', 'usageType', 'usageUnit', 'vCpus', 'usageAmount', 'cost']
  const data = rows.map((r) => ({
    Data: [`${month}-01`, r.account, r.region, r.service, r.usageType, r.unit, r.vcpus, r.amount, r.cost].map(cell),
  }))
  const wrapper = {
    getAthenaTableDescription: async () => ({ Table: { StorageDescriptor: { Columns: [{ Name: 'product_vcpu' }] } } }),
    startAthenaQueryExecution: async () => ({ QueryExecutionId: 'oracle' }),
    getAthenaQueryExecution: async () => ({ QueryExecution: { Status: { State: 'SUCCEEDED' } } }),
    getAthenaQueryResultSets: async () => [{ ResultSet: { Rows: [{ Data: header.map(cell) }, ...data] } }],
  }
  const cur = new aws.CostAndUsageReports(...estimators(aws.AWS_CLOUD_CONSTANTS), wrapper)
  const [start, end] = bounds(month)
  return perRow(await cur.getEstimates(start, end, 'month'), 'accountId')
}

async function runAzure(rows, month) {
  if (!rows.length) return {}
  const details = rows.map((r) => ({
    kind: 'modern',
    date: `${month}-01T00:00:00Z`,
    quantity: r.quantity,
    costInUSD: r.cost,
    subscriptionGuid: r.subscription,
    subscriptionName: r.subscription,
    resourceLocation: r.region,
    meterCategory: r.category,
    meterName: r.meter,
    unitOfMeasure: r.unit,
    tags: {},
  }))
  const client = {
    subscriptionId: 'oracle',
    usageDetails: {
      list: () => {
        let i = 0
        return {
          next: async () => (i < details.length ? { value: details[i++], done: false } : { value: undefined, done: true }),
          [Symbol.asyncIterator]() {
            return this
          },
        }
      },
    },
  }
  const svc = new azure.ConsumptionManagementService(...estimators(azure.AZURE_CLOUD_CONSTANTS), client)
  const [start, end] = bounds(month)
  return perRow(await svc.getEstimates(start, end, 'month'), 'accountId')
}

async function runGcp(rows, month) {
  if (!rows.length) return {}
  const gcpDir = process.env.CCF_ORACLE_GCP || path.join(__dirname, 'gcp-dist')
  const BillingExportTable = require(path.join(gcpDir, 'lib', 'BillingExportTable.js')).default
  const { GCP_CLOUD_CONSTANTS } = require(path.join(gcpDir, 'domain', 'index.js'))
  // BillingExportTable.getUsage's WHERE clause: only these units reach CCF (cost_type 'regular' here)
  const QUERIED = ['byte-seconds', 'seconds', 'bytes', 'requests']
  const data = rows
    .filter((r) => QUERIED.includes(r.unit))
    .map((r) => ({
      timestamp: { value: `${month}-01` }, // BigQuery's DATE_TRUNC(..., MONTH) as a BigQueryDate
      accountId: r.project,
      accountName: r.project,
      region: r.region,
      serviceName: r.service,
      usageType: r.sku,
      usageUnit: r.unit,
      machineType: r.machineType ? r.machineType : null, // LEFT JOIN UNNEST(system_labels): NULL if absent
      usageAmount: r.amount,
      cost: r.cost,
    }))
  // the BigQuery client, faked: createQueryJob -> [job], job.getQueryResults -> [rows]
  const bigQuery = { createQueryJob: async () => [{ getQueryResults: async () => [data] }] }
  const table = new BillingExportTable(...estimators(GCP_CLOUD_CONSTANTS), bigQuery)
  const [start, end] = bounds(month)
  return perRow(await table.getEstimates(start, end, 'month'), 'accountId')
}

async function main() {
  const chunks = []
  for await (const c of process.stdin) chunks.push(c)
  const input = JSON.parse(Buffer.concat(chunks).toString('utf8'))
  const out = { versions: {} }
  for (const p of ['aws', 'azure', 'core', 'common']) {
    out.versions[p] = req(`@cloud-carbon-footprint/${p}/package.json`).version
  }
  // console output of CCF's loggers would mix with the JSON on stdout
  const write = process.stdout.write.bind(process.stdout)
  process.stdout.write = () => true
  out.aws = await runAws(input.aws || [], input.month)
  out.azure = await runAzure(input.azure || [], input.month)
  out.gcp = await runGcp(input.gcp || [], input.month)
  process.stdout.write = write
  process.stdout.write(JSON.stringify(out))
}

main().catch((e) => {
  process.stderr.write(`ccf oracle failed: ${e && e.stack ? e.stack : e}\n`)
  process.exit(1)
})
