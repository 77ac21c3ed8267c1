export * from "./functions.js";
