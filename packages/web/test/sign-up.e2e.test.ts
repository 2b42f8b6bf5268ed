/**
 * Local sign-up end to end (SPEC §6), in Chromium on a stack that runs its own cognito-local as
 * `npm start` does: the confirmation and reset codes Cognito would e-mail are read from the
 * stack's terminal output, the new user is signed in right after confirming (no SRP error, no
 * second verification) and places a first order; a password reset ends with "password changed".
 */
import { type AppStack, rootDir, startAppStack } from "@live-orders/local/testing/app-stack";
import { runEmulators } from "@live-orders/local/testing/run-emulators";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { launchChromium, phone, placeOrderWithForm, screenshotPath } from "./browser";

const live = { timeout: 15_000 };
let stack: AppStack;
let browser: Browser;
const terminal: string[] = [];

beforeAll(async () => {
  stack = await startAppStack({
    dynamoEndpoint: runEmulators().dynamoEndpoint,
    cognitoEndpoint: undefined,
    env: { POWERTOOLS_LOG_LEVEL: "WARN" },
    web: true,
    log: (line) => terminal.push(line),
  });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

/** The code the stack printed for `email` (the line a developer reads in the terminal). */
async function printedCode(kind: "sign-up confirmation" | "password-reset", email: string): Promise<string> {
  const pattern = new RegExp(`✉ ${kind} code for ${email.replace(/[.+]/g, "\\$&")}: (\\d+)`);
  let code: string | undefined;
  await expect
    .poll(() => {
      code = terminal.map((line) => pattern.exec(line)?.[1]).findLast((found) => found !== undefined);
      return code;
    }, live)
    .toBeDefined();
  return code!;
}

function watchProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`));
  page.on("console", (message) => {
    if (/unsupported feature|USER_SRP_AUTH/i.test(message.text())) problems.push(`console: ${message.text()}`);
  });
  return problems;
}

it("signs a new customer up with the printed code, signed in at once, and takes a first order", async () => {
  const email = `new-${Date.now()}@example.com`;
  const password = "Sunny-Day-42";
  const context = await browser.newContext(phone);
  const page = await context.newPage();
  const problems = watchProblems(page);
  await page.goto(stack.outputs.web);
  await page.getByRole("button", { name: "Create account" }).click({ timeout: 120_000 });
  await page.locator('input[name="email"]').waitFor({ timeout: 120_000 });
  await page.locator('input[name="email"]').fill(email);
  await page.locator('input[name="password"]').fill(password);
  await page.locator('input[name="confirm_password"]').fill(password);
  await page.getByRole("button", { name: "Create Account" }).click();

  const code = await printedCode("sign-up confirmation", email);
  expect(code).toMatch(/^\d{6}$/);
  await page.locator('input[name="confirmation_code"]').fill(code);
  await page.screenshot({ path: screenshotPath(rootDir, "sign-up-confirm-phone") });
  await page.getByRole("button", { name: "Confirm", exact: true }).click();

  // Signed in: no SRP error, no "verify your e-mail" step.
  await page.getByTestId("connection-state").filter({ hasText: "connected" }).waitFor(live);
  expect(await page.getByText(/unsupported feature|USER_SRP_AUTH/i).count()).toBe(0);
  expect(await page.getByText(/verify/i).count()).toBe(0);
  await page.getByRole("heading", { name: "My orders", level: 1 }).waitFor(live);
  expect(await page.getByTestId("order-card").count()).toBe(0);

  await placeOrderWithForm(page, ["Lemonade"]);
  await expect.poll(() => page.getByTestId("order-status").getAttribute("data-status"), live).toBe("placed");
  await page.screenshot({ path: screenshotPath(rootDir, "sign-up-first-order-phone") });
  expect(problems).toEqual([]);

  // And the reset: sign out, forgot password, the printed code, "password changed, sign in".
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.getByRole("button", { name: "Forgot your password?" }).click();
  await page.locator('input[name="username"]').fill(email);
  await page.getByRole("button", { name: "Send code" }).click();
  const resetCode = await printedCode("password-reset", email);
  const newPassword = "Rainy-Night-7";
  await page.locator('input[name="confirmation_code"]').fill(resetCode);
  await page.locator('input[name="password"]').fill(newPassword);
  await page.locator('input[name="confirm_password"]').fill(newPassword);
  await page.getByRole("button", { name: "Submit" }).click();
  await page.getByRole("status").filter({ hasText: "Password changed: sign in with your new password." }).waitFor(live);
  await page.screenshot({ path: screenshotPath(rootDir, "password-changed-phone") });
  await page.locator('input[name="username"]').fill(email);
  await page.locator('input[name="password"]').fill(newPassword);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.getByTestId("connection-state").filter({ hasText: "connected" }).waitFor(live);
  expect(problems).toEqual([]);
  await context.close();
});
