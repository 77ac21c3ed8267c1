export { type ArtifactBackend, type ArtifactBackends, artifactBackends } from "./backends.js";
export {
  type ArtifactStoreFactory,
  artifactStoreConformance,
  bytesOf,
  chunked,
  drain,
  filesUnder,
  overwriteFsBlob,
} from "./conformance.js";
export { startS3Server, type TestS3Server } from "./s3rver.js";
