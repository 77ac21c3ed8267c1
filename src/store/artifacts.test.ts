/** The ArtifactStore conformance suite against the file and memory stores. */
import { artifactBackends } from "./testing/artifact-backends.js";
import { artifactStoreConformance } from "./testing/artifacts-conformance.js";

const backends = artifactBackends();
artifactStoreConformance("fs", backends.fs);
artifactStoreConformance("memory", backends.memory);
