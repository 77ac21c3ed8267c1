export * from "./chi2.js";
export * from "./normal.fixture.js";
