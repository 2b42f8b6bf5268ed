/**
 * Browser helpers for the e2e tests: Debian's Chromium through playwright-core, signing in
 * through the real Amplify Authenticator, and screenshots under test-results/.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { DEMO_PASSWORD } from "@live-orders/local/testing/demo-users";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";

export interface TestStack {
  outputs: { web: string };
  stop(): Promise<void>;
}

/**
 * The stack the browser tests run against: a fresh local stack, or — when `E2E_WEB_URL` is set —
 * an already running one (`npm start`), which makes iterating on the UI much faster.
 */
export async function startTestStack(start: () => Promise<TestStack>): Promise<TestStack> {
  const running = process.env.E2E_WEB_URL;
  if (running) return { outputs: { web: running }, stop: async () => {} };
  return start();
}

export const chromiumPath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

export const phone = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 1, isMobile: false, hasTouch: true };
export const desktop = { viewport: { width: 1280, height: 860 }, deviceScaleFactor: 1 };

export interface BrowserUser {
  context: BrowserContext;
  page: Page;
  /** Browser-side errors, alert() calls and Content-Security-Policy violations, which a test asserts are absent. */
  problems: string[];
}

/**
 * A browser context that reports into `problems` what a test must never see: page errors,
 * dialogs, and every Content-Security-Policy violation (the `securitypolicyviolation` event,
 * and the console's "Refused to …" for the ones no event reaches), so a page that breaks the
 * policy the dev server sends — CloudFront's — fails the test.
 */
export async function newWatchedContext(
  browser: Browser,
  options: { viewport: { width: number; height: number } } & Record<string, unknown>,
): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
  const context = await browser.newContext(options);
  const problems: string[] = [];
  await context.exposeBinding("__reportCspViolation", (_source, violation: string) =>
    problems.push(`csp: ${violation}`),
  );
  await context.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (event) => {
      const report = (window as unknown as { __reportCspViolation: (violation: string) => void }).__reportCspViolation;
      void report(
        `${event.effectiveDirective} blocked ${event.blockedURI || "inline"} (${event.sourceFile}:${event.lineNumber})`,
      );
    });
  });
  const page = await context.newPage();
  page.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error" && /Content Security Policy/i.test(message.text())) {
      problems.push(`csp console: ${message.text()}`);
    }
  });
  page.on("dialog", (dialog) => {
    problems.push(`dialog: ${dialog.type()} ${dialog.message()}`);
    void dialog.dismiss();
  });
  return { context, page, problems };
}

export async function openAs(
  browser: Browser,
  webUrl: string,
  email: string,
  options: { viewport: { width: number; height: number } } & Record<string, unknown>,
): Promise<BrowserUser> {
  const watched = await newWatchedContext(browser, options);
  await watched.page.goto(webUrl);
  await signIn(watched.page, email);
  return watched;
}

export async function signIn(page: Page, email: string, password = DEMO_PASSWORD): Promise<void> {
  // The first page is the light landing page; the Authenticator loads on "Sign in".
  await page.getByRole("button", { name: "Sign in", exact: true }).click({ timeout: 120_000 });
  const username = page.locator('input[name="username"]');
  // The first dev-server load compiles and pre-bundles Amplify: slow on a busy machine.
  await username.waitFor({ timeout: 120_000 });
  await username.fill(email);
  await page.locator('input[name="password"]').fill(password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.getByTestId("connection-state").filter({ hasText: "connected" }).waitFor({ timeout: 30_000 });
}

export function screenshotPath(rootDir: string, name: string): string {
  const dir = join(rootDir, "test-results", "web-e2e");
  mkdirSync(dir, { recursive: true });
  return join(dir, `${name}.png`);
}

/**
 * Records, in the page, the wall-clock time each value of `data-status` on the order page's
 * status first appears (a MutationObserver, so the time is when React changed the DOM, not
 * when a test's polling happened to look).
 */
export async function recordStatusTimes(page: Page): Promise<void> {
  await page.evaluate(() => {
    const seen: Record<string, number> = {};
    (window as unknown as { __statusSeen: Record<string, number> }).__statusSeen = seen;
    const check = () => {
      const status = document.querySelector<HTMLElement>('[data-testid="order-status"]')?.dataset.status;
      if (status && !(status in seen)) seen[status] = Date.now();
    };
    check();
    new MutationObserver(check).observe(document.body, {
      subtree: true,
      childList: true,
      attributes: true,
      attributeFilter: ["data-status"],
    });
  });
}

export function statusSeenAt(page: Page, status: string): Promise<number | undefined> {
  return page.evaluate(
    (wanted) => (window as unknown as { __statusSeen: Record<string, number> }).__statusSeen[wanted],
    status,
  );
}

/**
 * Places an order through the form on the page shown (the customer's home): one more of each
 * named menu item, the contact details filled in where the form was not prefilled from a
 * previous order (pickup then). Returns the new order's id once its page shows.
 */
export async function placeOrderWithForm(page: Page, items: readonly string[]): Promise<string> {
  for (const item of items) await page.getByRole("button", { name: `One more ${item}` }).click();
  const name = page.getByLabel("Name", { exact: true });
  if ((await name.inputValue()) === "") {
    await name.fill("Test Customer");
    await page.getByLabel("Phone", { exact: true }).fill("+1 555 0123");
    await page.getByLabel("Pick up at the shop").check();
  }
  await page.getByRole("button", { name: "Place order" }).click();
  await page.waitForURL(/#\/orders\/[^/]+$/);
  return decodeURIComponent(new URL(page.url()).hash.replace("#/orders/", ""));
}
