import { randomBytes } from "node:crypto";

/** A new 32-hex-digit id (128 random bits), the shape MLflow uses for run ids. */
export function newRunId(): string {
  return randomBytes(16).toString("hex");
}
