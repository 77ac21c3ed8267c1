export { type StudyStorageFactory, studyStorageConformance } from "./conformance.js";
