export * from "./registry-fixture.js";
