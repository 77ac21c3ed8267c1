export { type ColumnSchema, type DatasetProfile, profileDataset } from "./dataset.js";
export { captureEnvironment, type Environment, type GpuInfo } from "./environment.js";
export { type CodeVersion, captureCodeVersion } from "./git.js";
