export {
  getGCPEmissionsFactors,
  GCP_CLOUD_CONSTANTS,
} from './GcpFootprintEstimationConstants'
