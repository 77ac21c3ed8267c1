/** The web UI's test kit: headless Chromium for the end-to-end tests and the UI benchmark. */
export { CHROMIUM, launchChromium } from "./browser.js";
