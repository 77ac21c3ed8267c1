export { FailoverStore } from "./failover.js";
export {
  pendingSpoolFiles,
  SpoolEvaluationStore,
  SpoolRunStore,
  SpoolStore,
  type SyncOptions,
  type SyncReport,
  syncSpool,
} from "./spool.js";
