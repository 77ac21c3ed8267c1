/** The test kit of learn: data sets with known answers and the oracle fixtures. */
export * from "../models/testing/index.js";
