// Debian's Chromium driven by playwright-core, with the flags the project's machines and CI need.
import { type Browser, type BrowserContext, type BrowserContextOptions, chromium, type Page } from "playwright-core";

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

/**
 * A page of a new browser context signed in with the stack's API key as a person would (the sign-in form), on the
 * searches list; page errors are pushed to `pageErrors` so a test can assert there were none.
 */
export async function signedInPage(
  browser: Browser,
  stack: { url: string; apiKey: string },
  pageErrors: string[],
  options: BrowserContextOptions = {},
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
  const page = await context.newPage();
  page.on("pageerror", (error) => pageErrors.push(error.message));
  await page.goto(`${stack.url}/sign-in`);
  await page.getByLabel("API key").fill(stack.apiKey);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(/\/searches$/);
  return { context, page };
}
