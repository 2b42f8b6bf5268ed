/**
 * The web app in real Chromium against the whole local stack (local API Gateway, the real
 * handlers, DynamoDB Local, cognito-local, the Vite dev server): a customer and staff in two
 * browser contexts, as two people on two devices.
 */

import { menu } from "@live-orders/core/menu";
import { rootDir, startAppStack } from "@live-orders/local/testing/app-stack";
import { runEmulators } from "@live-orders/local/testing/run-emulators";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type BrowserUser,
  desktop,
  launchChromium,
  newWatchedContext,
  openAs,
  phone,
  placeOrderWithForm,
  recordStatusTimes,
  screenshotPath,
  startTestStack,
  statusSeenAt,
  type TestStack,
} from "./browser";

/** Budget for a change to show up in another browser (polling, not a latency assertion). */
const live = { timeout: 5_000 };
const statusUpdateBudgetMs = 2_000;

let stack: TestStack;
let browser: Browser;
let customer: BrowserUser;
let staff: BrowserUser;
const latencies: Array<{ status: string; ms: number }> = [];

const stackLog: string[] = [];

beforeAll(async () => {
  stack = await startTestStack(async () => {
    return startAppStack({
      ...runEmulators(),
      // The handlers' INFO lines stay out of the test report.
      env: { POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? "WARN" },
      web: true,
      seed: true,
      log: (line) => stackLog.push(line),
    });
  });
  browser = await launchChromium();
  [customer, staff] = await Promise.all([
    openAs(browser, stack.outputs.web, "alice@example.com", phone),
    openAs(browser, stack.outputs.web, "staff@example.com", desktop),
  ]);
});

afterAll(async () => {
  if (latencies.length > 0) {
    const sorted = latencies.map((entry) => entry.ms).sort((a, b) => a - b);
    console.info(
      `status change → customer screen: ${latencies.map((entry) => `${entry.status} ${entry.ms} ms`).join(", ")}; ` +
        `median ${sorted[Math.floor(sorted.length / 2)]} ms, max ${sorted.at(-1)} ms`,
    );
  }
  await browser?.close();
  await stack?.stop();
});

function card(page: Page, orderId: string) {
  return page.locator(`[data-testid="order-card"][data-order-id="${orderId}"]`);
}

async function placeOrder(page: Page): Promise<string> {
  await page.goto(new URL("#/", stack.outputs.web).toString());
  // The seeded customer's form fills itself from the last order once the list has loaded.
  await expect.poll(() => page.getByLabel("Name", { exact: true }).inputValue(), live).not.toBe("");
  const orderId = await placeOrderWithForm(page, [menu.margherita.name, menu.lemonade.name]);
  await expect.poll(() => page.getByTestId("order-status").getAttribute("data-status"), live).toBe("placed");
  return orderId;
}

/**
 * Staff press "Mark …" on the order's card on the board and wait for the board to show it: in
 * its new column, or, once finished (delivered, cancelled), gone from the board to the history.
 */
async function advanceOnBoard(orderId: string, to: string): Promise<number> {
  const button = card(staff.page, orderId).getByRole("button", { name: /^Mark / });
  await button.waitFor();
  const clickedAt = Date.now();
  await button.click();
  if (to === "delivered" || to === "cancelled")
    await card(staff.page, orderId).waitFor({ state: "detached", timeout: 10_000 });
  else
    await card(staff.page, orderId)
      .and(staff.page.locator(`[data-status="${to}"]`))
      .waitFor({ timeout: 10_000 });
  return clickedAt;
}

/** The order's card in the staff's history of finished orders of `status`. */
async function historyCard(orderId: string, status: "delivered" | "cancelled") {
  await staff.page.getByRole("link", { name: "History" }).click();
  // Exact: until the history has rendered, the board's "Mark delivered: order #…" buttons match too.
  await staff.page
    .getByRole("button", { name: status === "delivered" ? "Delivered" : "Cancelled", exact: true })
    .click();
  return card(staff.page, orderId);
}

async function openOrderAsStaff(orderId: string): Promise<void> {
  await staff.page.goto(new URL(`#/orders/${encodeURIComponent(orderId)}`, stack.outputs.web).toString());
  await staff.page.getByTestId("order-status").waitFor();
}

async function sendChat(page: Page, text: string): Promise<void> {
  await page.getByTestId("chat-input").fill(text);
  await page.getByTestId("chat-send").click();
}

function chatTexts(page: Page): Promise<string[]> {
  return page.getByTestId("chat-message").locator(".chat-text").allTextContents();
}

describe("the order form", () => {
  it("asks for contact and pickup or delivery with clear messages, and prefills them from the last order", async () => {
    const page = customer.page;
    await page.goto(new URL("#/", stack.outputs.web).toString());
    const name = page.getByLabel("Name", { exact: true });
    // alice's demo orders say who she is: the form starts from her last one.
    await expect.poll(() => name.inputValue(), live).not.toBe("");
    await page.getByRole("button", { name: `One more ${menu.salad.name}` }).click();
    await page.getByLabel("Deliver to my address").check();
    const address = page.getByLabel("Delivery address");
    await address.fill("   ");
    await name.fill("");
    await page.getByRole("button", { name: "Place order" }).click();
    await expect
      .poll(() => page.locator(".field-problem").allTextContents(), live)
      .toEqual(["Enter your name.", "Enter the delivery address."]);
    expect(page.url()).not.toMatch(/#\/orders\//);
    await address.fill("7 Lantern Lane\u202e");
    await name.fill("Alice Example");
    await page.getByRole("button", { name: "Place order" }).click();
    await expect
      .poll(() => page.locator(".field-problem").allTextContents(), live)
      .toEqual(["The address must not contain bidirectional override or isolate characters."]);
    await page.screenshot({ path: screenshotPath(rootDir, "customer-order-form-problems-phone"), fullPage: true });
    await address.fill("7 Lantern Lane");
    await page.getByRole("button", { name: "Place order" }).click();
    await page.waitForURL(/#\/orders\/[^/]+$/);

    // Back on the form: prefilled from the order just placed, so it was stored with them.
    await page.goto(new URL("#/", stack.outputs.web).toString());
    await expect.poll(() => page.getByLabel("Delivery address").inputValue(), live).toBe("7 Lantern Lane");
    expect(await name.inputValue()).toBe("Alice Example");
    await page.getByLabel("Pick up at the shop").check();
    expect(await page.getByLabel("Delivery address").count()).toBe(0);
    expect(customer.problems).toEqual([]);
  });
});

describe("security headers", () => {
  it("serves the page with CloudFront's Content-Security-Policy, which the browser enforces", async () => {
    const { context, page, problems } = await newWatchedContext(browser, desktop);
    try {
      const response = await page.goto(stack.outputs.web);
      const policy = response?.headers()["content-security-policy"] ?? "";
      expect(policy).toMatch(/^default-src 'self'; script-src 'self' 'nonce-[A-Za-z0-9+/=]+'; /);
      expect(policy).toContain("frame-ancestors 'none'");
      expect(response?.headers()["x-frame-options"]).toBe("DENY");
      await page.getByRole("button", { name: "Sign in", exact: true }).waitFor();
      expect(problems).toEqual([]);
      // A script the policy does not admit (no nonce) is refused, and the refusal is seen.
      await page.evaluate(() => {
        const script = document.createElement("script");
        script.textContent = "window.__injected = true";
        document.head.append(script);
      });
      await expect.poll(() => problems.length, live).toBeGreaterThan(0);
      expect(await page.evaluate(() => (window as unknown as { __injected?: boolean }).__injected)).toBeUndefined();
      expect(problems.every((problem) => /^csp/.test(problem))).toBe(true);
    } finally {
      await context.close();
    }
  });
});

describe("customer and staff in Chromium", () => {
  it("shows every status staff set on the customer's order page within 2 s, without a reload", async () => {
    // Staff watch the board before the order exists: it must arrive live (order.created on `orders`).
    await staff.page.goto(new URL("#/", stack.outputs.web).toString());
    await staff.page.getByRole("heading", { name: /^Placed/ }).waitFor();
    const orderId = await placeOrder(customer.page);
    await customer.page.evaluate(() => ((window as unknown as { __noReload: boolean }).__noReload = true));
    await recordStatusTimes(customer.page);
    await customer.page.screenshot({ path: screenshotPath(rootDir, "customer-order-placed-phone") });
    await card(staff.page, orderId).waitFor({ timeout: 5_000 });
    await staff.page.screenshot({ path: screenshotPath(rootDir, "staff-board"), fullPage: true });

    for (const status of ["confirmed", "preparing", "ready", "out_for_delivery", "delivered"]) {
      const clickedAt = await advanceOnBoard(orderId, status);
      await expect
        .poll(() => customer.page.getByTestId("order-status").getAttribute("data-status"), { timeout: 5_000 })
        .toBe(status);
      const seenAt = await statusSeenAt(customer.page, status);
      expect(seenAt, `customer saw ${status}`).toBeDefined();
      latencies.push({ status, ms: seenAt! - clickedAt });
    }

    for (const { status, ms } of latencies)
      expect(ms, `${status} reached the customer in ${ms} ms`).toBeLessThan(statusUpdateBudgetMs);
    expect(await customer.page.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload)).toBe(true);
    const delivered = await historyCard(orderId, "delivered");
    await expect.poll(() => delivered.getAttribute("data-status"), live).toBe("delivered");
    await staff.page.getByRole("link", { name: "Board" }).click();
    await customer.page.screenshot({ path: screenshotPath(rootDir, "customer-order-delivered-phone"), fullPage: true });
    expect(customer.problems).toEqual([]);
    expect(staff.problems).toEqual([]);
  });

  it("carries chat both ways and shows markup as text", async () => {
    const orderId = await placeOrder(customer.page);
    await openOrderAsStaff(orderId);
    const markup = "<img src=x onerror=alert(1)>";

    await sendChat(customer.page, "Hi, can you make the latte oat milk?");
    await expect.poll(() => chatTexts(staff.page), live).toEqual(["Hi, can you make the latte oat milk?"]);
    await sendChat(staff.page, "Sure, oat milk it is.");
    await expect
      .poll(() => chatTexts(customer.page), live)
      .toEqual(["Hi, can you make the latte oat milk?", "Sure, oat milk it is."]);
    // Keyboard only: type and press Enter.
    await customer.page.getByTestId("chat-input").focus();
    await customer.page.keyboard.type(markup);
    await customer.page.keyboard.press("Enter");
    await expect
      .poll(() => chatTexts(staff.page), live)
      .toEqual(["Hi, can you make the latte oat milk?", "Sure, oat milk it is.", markup]);

    for (const user of [customer, staff]) {
      // biome-ignore lint/performance/useDomNodeTextContent: innerText is the text a person sees, which is the point here
      await expect.poll(() => user.page.getByTestId("chat-message").last().innerText(), live).toContain(markup);
      expect(await user.page.locator(".chat-messages img").count()).toBe(0);
    }
    await customer.page.screenshot({ path: screenshotPath(rootDir, "customer-chat-phone"), fullPage: true });
    await staff.page.screenshot({ path: screenshotPath(rootDir, "staff-order-chat") });
    expect(customer.problems).toEqual([]); // no alert() dialog, no page error
    expect(staff.problems).toEqual([]);
  });

  it("after the customer was offline, shows every change made meanwhile once, in order", async () => {
    const orderId = await placeOrder(customer.page);
    await openOrderAsStaff(orderId);
    await sendChat(customer.page, "before the tunnel");
    await expect.poll(() => chatTexts(staff.page), live).toEqual(["before the tunnel"]);

    await customer.context.setOffline(true);
    await customer.page.getByTestId("connection-state").filter({ hasText: "offline" }).waitFor({ timeout: 10_000 });
    await customer.page.screenshot({ path: screenshotPath(rootDir, "customer-offline-phone") });

    const staffChanges = ["confirmed", "preparing", "ready"];
    for (const [index, status] of staffChanges.entries()) {
      await staff.page.getByRole("button", { name: /^Mark / }).click();
      await expect.poll(() => staff.page.getByTestId("order-status").getAttribute("data-status"), live).toBe(status);
      await sendChat(staff.page, `update ${index + 1}: ${status}`);
      await expect.poll(async () => (await chatTexts(staff.page)).length, live).toBe(index + 2);
    }
    // Still offline: none of it may have reached the customer.
    expect(await customer.page.getByTestId("order-status").getAttribute("data-status")).toBe("placed");

    await customer.context.setOffline(false);
    await customer.page.getByTestId("connection-state").filter({ hasText: "connected" }).waitFor({ timeout: 30_000 });
    await expect
      .poll(() => customer.page.getByTestId("order-status").getAttribute("data-status"), { timeout: 10_000 })
      .toBe("ready");

    const expectedChat = ["before the tunnel", "update 1: confirmed", "update 2: preparing", "update 3: ready"];
    await expect.poll(() => chatTexts(customer.page), { timeout: 10_000 }).toEqual(expectedChat);
    // Settle, then check nothing arrives twice late.
    await customer.page.waitForTimeout(1_500);
    expect(await chatTexts(customer.page)).toEqual(expectedChat);
    const seqs = await customer.page
      .getByTestId("chat-message")
      .evaluateAll((nodes) => nodes.map((node) => Number((node as HTMLElement).dataset.seq)));
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);
    const timeline = await customer.page
      .locator(".timeline-done .timeline-label, .timeline-current .timeline-label")
      .allTextContents();
    expect(timeline).toEqual(["Placed", "Confirmed", "Preparing", "Ready"]);
    await customer.page.screenshot({ path: screenshotPath(rootDir, "customer-back-online-phone"), fullPage: true });
    expect(customer.problems).toEqual([]);
  });
  it("lets the customer cancel a placed order, shown live on the board and in the history, and sign out", async () => {
    await staff.page.goto(new URL("#/", stack.outputs.web).toString());
    const orderId = await placeOrder(customer.page);
    await card(staff.page, orderId).waitFor({ timeout: 5_000 });

    await customer.page.getByRole("button", { name: /^Cancel order/ }).click();
    // Cancelling asks first (the dialog's own "Cancel order" confirms).
    await customer.page.getByRole("dialog").getByRole("button", { name: "Cancel order" }).click();
    await expect
      .poll(() => customer.page.getByTestId("order-status").getAttribute("data-status"), live)
      .toBe("cancelled");
    // Live on the board: the card leaves it, and is in the history as cancelled.
    await card(staff.page, orderId).waitFor({ state: "detached", ...live });
    const cancelled = await historyCard(orderId, "cancelled");
    await expect.poll(() => cancelled.getAttribute("data-status"), live).toBe("cancelled");
    await staff.page.getByRole("link", { name: "Board" }).click();
    expect(await customer.page.getByRole("button", { name: /^Cancel order/ }).count()).toBe(0);

    await staff.page.setViewportSize(phone.viewport);
    await staff.page.screenshot({ path: screenshotPath(rootDir, "staff-board-phone") });
    await staff.page.setViewportSize(desktop.viewport);

    await customer.page.getByRole("button", { name: "Sign out" }).click();
    await customer.page.getByRole("button", { name: "Sign in", exact: true }).waitFor({ timeout: 10_000 });
    await customer.page.screenshot({ path: screenshotPath(rootDir, "signed-out-landing-phone") });
    expect(await customer.page.getByTestId("connection-state").count()).toBe(0);
    expect(customer.problems).toEqual([]);
    expect(staff.problems).toEqual([]);
  });
});
