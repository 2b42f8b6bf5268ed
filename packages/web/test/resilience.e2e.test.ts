/**
 * The customer's page through API Gateway's connection limits, shortened: the local gateway
 * closes idle connections after 2.5 s and every connection after 6 s (10 min and 2 h on AWS).
 * Staff keep changing the order meanwhile; the customer must end with every change exactly
 * once, in order, having reconnected several times without a reload.
 */
import { rootDir, startAppStack } from "@live-orders/local/testing/app-stack";
import { runEmulators } from "@live-orders/local/testing/run-emulators";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  type BrowserUser,
  desktop,
  launchChromium,
  openAs,
  phone,
  placeOrderWithForm,
  screenshotPath,
  startTestStack,
  type TestStack,
} from "./browser";

/** Budget for a change to show up in another browser (polling, not a latency assertion). */
const live = { timeout: 5_000 };
let stack: TestStack;
let browser: Browser;
let customer: BrowserUser;
let staff: BrowserUser;

beforeAll(async () => {
  stack = await startTestStack(() =>
    startAppStack({
      ...runEmulators(),
      // The handlers' INFO lines stay out of the test report.
      env: { POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? "WARN" },
      webSocket: { idleTimeoutMs: 2_500, maxConnectionMs: 6_000 },
      web: true,
    }),
  );
  browser = await launchChromium();
  [customer, staff] = await Promise.all([
    openAs(browser, stack.outputs.web, "bob@example.com", phone),
    openAs(browser, stack.outputs.web, "staff@example.com", desktop),
  ]);
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

function chatTexts(page: Page): Promise<string[]> {
  return page.getByTestId("chat-message").locator(".chat-text").allTextContents();
}

it("loses nothing and repeats nothing across idle and max-age cuts", async () => {
  // Count the app's reconnects (sockets opened from here on; not Vite's HMR socket, on the web port).
  let appSockets = 0;
  const webPort = new URL(stack.outputs.web).port;
  customer.page.on("websocket", (socket) => {
    if (new URL(socket.url()).port !== webPort) appSockets += 1;
  });
  const orderId = await placeOrderWithForm(customer.page, ["Tiramisu"]);
  await customer.page.evaluate(() => ((window as unknown as { __noReload: boolean }).__noReload = true));
  await staff.page.goto(new URL(`#/orders/${encodeURIComponent(orderId)}`, stack.outputs.web).toString());
  await staff.page.getByTestId("order-status").waitFor();

  const steps = ["confirmed", "preparing", "ready", "out_for_delivery"];
  for (const [index, status] of steps.entries()) {
    // Long enough between changes for the customer's idle connection to be cut.
    await staff.page.waitForTimeout(2_800);
    await staff.page.getByRole("button", { name: /^Mark / }).click();
    await expect.poll(() => staff.page.getByTestId("order-status").getAttribute("data-status"), live).toBe(status);
    await staff.page.getByTestId("chat-input").fill(`step ${index + 1}`);
    await staff.page.getByTestId("chat-send").click();
  }

  await expect
    .poll(() => customer.page.getByTestId("order-status").getAttribute("data-status"), { timeout: 15_000 })
    .toBe("out_for_delivery");
  const expected = ["step 1", "step 2", "step 3", "step 4"];
  await expect.poll(() => chatTexts(customer.page), { timeout: 15_000 }).toEqual(expected);
  await customer.page.waitForTimeout(1_500); // nothing may arrive twice late
  expect(await chatTexts(customer.page)).toEqual(expected);
  const seqs = await customer.page
    .getByTestId("chat-message")
    .evaluateAll((nodes) => nodes.map((node) => Number((node as HTMLElement).dataset.seq)));
  expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
  expect(
    await customer.page.locator(".timeline-done .timeline-label, .timeline-current .timeline-label").allTextContents(),
  ).toEqual(["Placed", "Confirmed", "Preparing", "Ready", "Out for delivery"]);
  console.info(`customer reconnects during the run: ${appSockets}`);
  // Over ~14 s with a 6 s connection cap, at least two cuts are certain; idle cuts add more.
  expect(appSockets, "the gateway's cuts forced reconnects").toBeGreaterThanOrEqual(2);
  expect(await customer.page.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload)).toBe(true);
  await customer.page.screenshot({
    path: screenshotPath(rootDir, "customer-after-gateway-cuts-phone"),
    fullPage: true,
  });
  expect(customer.problems).toEqual([]);
  expect(staff.problems).toEqual([]);
});
