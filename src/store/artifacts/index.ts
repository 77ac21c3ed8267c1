export {
  type ArtifactStore,
  type BlobRef,
  type BlobStream,
  blobNotFound,
  checkExpected,
  checkHash,
  hashing,
  localFileStream,
  type PutStreamOptions,
  readAll,
  readChecked,
  readLocalFile,
  SMALL_BLOB_BYTES,
  toBytes,
  verified,
  verifiedStream,
  wrongSize,
} from "./contract.js";
export { FsArtifactStore } from "./fs.js";
export { HttpArtifactStore } from "./http.js";
export { MemoryArtifactStore } from "./memory.js";
export { parseS3Uri, S3ArtifactStore, type S3ArtifactStoreOptions } from "./s3.js";
