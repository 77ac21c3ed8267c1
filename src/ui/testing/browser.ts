/** Headless Debian Chromium through playwright-core, for the UI benchmark and end-to-end tests. */
import { type Browser, chromium } from "playwright-core";

export const CHROMIUM = process.env.SEXTANT_CHROMIUM ?? "/usr/bin/chromium";

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
}
