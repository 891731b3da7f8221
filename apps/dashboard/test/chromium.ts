// Debian's Chromium driven by playwright-core, with the flags the project's machines and CI need.
import { type Browser, chromium } from "playwright-core";

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_FLAGS }).catch((cause: unknown) => {
    throw new Error(
      `Chromium could not start from ${CHROMIUM_PATH} (install it: apt-get install -y chromium; or set CHROMIUM_PATH): ${String(cause)}`,
    );
  });
}
