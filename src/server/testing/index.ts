/** The test kit of the server: the MLflow route harness and the registry fixture. */
export * from "../mlflow/testing/index.js";
export * from "../native/testing/index.js";
