/**
 * What customers and staff need (issue 13), in real Chromium against the whole local stack: who
 * and where on the board, unread counts and "Seen", typing, the ETA, the hidden tab's title, and
 * staff presence that a staff browser dying without `$disconnect` ends. Screenshots of the board
 * and both order pages at desktop width and at 390 px, each checked by axe-core.
 *
 * The heartbeat is 3 s here (the app and the handlers' presence window alike), so "offline
 * within two heartbeat intervals" is seconds, not minutes.
 */
import { AxeBuilder } from "@axe-core/playwright";
import { menu } from "@live-orders/core/menu";
import { webSocketApi } from "@live-orders/functions/routes";
import { type AppStack, rootDir, startAppStack } from "@live-orders/local/testing/app-stack";
import { runEmulators } from "@live-orders/local/testing/run-emulators";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type BrowserUser,
  desktop,
  launchChromium,
  openAs,
  phone,
  placeOrderWithForm,
  screenshotPath,
} from "./browser";

const heartbeatSeconds = 3;
process.env.LIVE_ORDERS_HEARTBEAT_SECONDS = String(heartbeatSeconds);

/** Budget for a change to show up in another browser (polling, not a latency assertion). */
const live = { timeout: 5_000 };

let stack: AppStack;
let browser: Browser;
let customer: BrowserUser;
let staff: BrowserUser;
let orderId: string;
let contactName: string;

beforeAll(async () => {
  stack = await startAppStack({
    ...runEmulators(),
    env: { POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? "WARN" },
    web: true,
    seed: true,
  });
  browser = await launchChromium();
  [customer, staff] = await Promise.all([
    openAs(browser, stack.outputs.web, "alice@example.com", phone),
    openAs(browser, stack.outputs.web, "staff@example.com", desktop),
  ]);
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

const at = (path: string) => new URL(path, stack.outputs.web).toString();

function card(page: Page, id = orderId) {
  return page.locator(`[data-testid="order-card"][data-order-id="${id}"]`);
}

async function openOrder(page: Page, id = orderId): Promise<void> {
  await page.goto(at(`#/orders/${encodeURIComponent(id)}`));
  await page.getByTestId("order-status").waitFor(live);
}

async function openBoard(page: Page, wait = live): Promise<void> {
  await page.goto(at("#/"));
  await card(page).waitFor(wait);
}

async function sendChat(page: Page, text: string): Promise<void> {
  await page.getByTestId("chat-input").fill(text);
  await page.getByTestId("chat-send").click();
}

async function setVisibility(page: Page, state: "hidden" | "visible"): Promise<void> {
  await page.evaluate((wanted) => {
    Object.defineProperty(document, "visibilityState", { configurable: true, get: () => wanted });
    Object.defineProperty(document, "hidden", { configurable: true, get: () => wanted === "hidden" });
    document.dispatchEvent(new Event("visibilitychange"));
  }, state);
}

async function checkAxe(page: Page, screen: string): Promise<void> {
  const analysis = await new AxeBuilder({ page }).analyze();
  const severe = analysis.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(
    severe.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join("; ")}`),
    screen,
  ).toEqual([]);
}

describe("who and where", () => {
  it("shows staff the customer's name, phone, address and note on the board card and the order page", async () => {
    await customer.page.goto(at("#/"));
    const name = customer.page.getByLabel("Name", { exact: true });
    await expect.poll(() => name.inputValue(), live).not.toBe("");
    contactName = await name.inputValue();
    await customer.page.getByLabel("Deliver to my address").check();
    await customer.page.getByLabel("Delivery address").fill("12 Harbour Road, Flat 3");
    await customer.page.getByLabel(/note/i).fill("Ring twice");
    orderId = await placeOrderWithForm(customer.page, [menu.margherita.name]);

    // The first event of the run waits for the fan-out function's first start (bundling it).
    await openBoard(staff.page, { timeout: 60_000 });
    await expect.poll(() => card(staff.page).getByTestId("order-customer").textContent(), live).toBe(contactName);
    expect(await card(staff.page).getByTestId("order-address").textContent()).toBe("12 Harbour Road, Flat 3");
    expect(await card(staff.page).textContent()).toContain("Ring twice");
    await openOrder(staff.page);
    expect(await staff.page.getByTestId("order-customer").textContent()).toBe(contactName);
    expect(await staff.page.getByTestId("order-address").textContent()).toBe("12 Harbour Road, Flat 3");
  });
});

describe("unread and Seen", () => {
  it("raises the board's unread-count on a customer message, clears it when staff open the order, and shows Seen to the customer", async () => {
    await openBoard(staff.page);
    await openOrder(customer.page);
    await sendChat(customer.page, "Is it spicy?");
    const badge = card(staff.page).getByTestId("unread-count");
    await expect.poll(() => badge.textContent(), live).toMatch(/^1\b/);
    expect(await card(staff.page).getAttribute("class")).toContain("order-card-unread");

    await card(staff.page).getByRole("link").first().click();
    await staff.page.getByTestId("order-status").waitFor(live);
    // Chat signs the customer's message with their name.
    await expect
      .poll(() => staff.page.locator(".chat-theirs .chat-author").first().textContent(), live)
      .toBe(contactName);
    await customer.page.getByTestId("chat-seen").waitFor(live);
    await staff.page.getByRole("link", { name: /Board/ }).click();
    await card(staff.page).waitFor(live);
    await expect.poll(() => card(staff.page).getByTestId("unread-count").count(), live).toBe(0);
    // Read on the server: a fresh load of the board shows no badge either.
    await openBoard(staff.page);
    expect(await card(staff.page).getByTestId("unread-count").count()).toBe(0);
  });

  it("shows a staff reply as unread on My orders until the customer opens the order", async () => {
    await customer.page.goto(at("#/"));
    await card(customer.page).waitFor(live);
    await openOrder(staff.page);
    await sendChat(staff.page, "Not spicy at all");
    await expect.poll(() => card(customer.page).getByTestId("unread-count").textContent(), live).toMatch(/^1\b/);
    await openOrder(customer.page);
    await staff.page.getByTestId("chat-seen").waitFor(live);
    await customer.page.goto(at("#/"));
    await card(customer.page).waitFor(live);
    await expect.poll(() => card(customer.page).getByTestId("unread-count").count(), live).toBe(0);
  });
});

describe("typing", () => {
  it("shows the other side typing within a second and hides it within five seconds of stopping", async () => {
    await openOrder(customer.page);
    await openOrder(staff.page);
    const indicator = customer.page.getByTestId("typing-indicator");
    expect(await indicator.count()).toBe(0);
    const started = Date.now();
    await staff.page.getByTestId("chat-input").pressSequentially("On its way", { delay: 120 });
    const stopped = Date.now();
    await indicator.waitFor(live);
    expect(await indicator.textContent()).toBe("Staff is typing…");
    await indicator.waitFor({ state: "detached", timeout: 6_000 });
    const goneAfterStopMs = Date.now() - stopped;
    console.info(`typing: typed for ${stopped - started} ms; indicator gone ${goneAfterStopMs} ms after the last key`);
    expect(goneAfterStopMs).toBeLessThan(5_000);
    await staff.page.getByTestId("chat-input").fill("");
  });

  it("shows typing within a second of the first key", async () => {
    await openOrder(customer.page);
    await openOrder(staff.page);
    // Wait until an earlier indicator has gone.
    await customer.page.getByTestId("typing-indicator").waitFor({ state: "detached", timeout: 6_000 });
    await customer.page.evaluate(() => {
      (window as unknown as { __typingSeen?: number }).__typingSeen = undefined;
      new MutationObserver(() => {
        const w = window as unknown as { __typingSeen?: number };
        if (w.__typingSeen === undefined && document.querySelector('[data-testid="typing-indicator"]'))
          w.__typingSeen = Date.now();
      }).observe(document.body, { subtree: true, childList: true });
    });
    const keyAt = Date.now();
    await staff.page.getByTestId("chat-input").press("H");
    await expect
      .poll(() => customer.page.evaluate(() => (window as unknown as { __typingSeen?: number }).__typingSeen), live)
      .toBeDefined();
    const seenAt = await customer.page.evaluate(() => (window as unknown as { __typingSeen: number }).__typingSeen);
    console.info(`typing: shown ${seenAt - keyAt} ms after the first key`);
    expect(seenAt - keyAt).toBeLessThan(1_000);
    await staff.page.getByTestId("chat-input").fill("");
  });
});

describe("ETA", () => {
  it("staff set it in one click; the customer's page shows the time and a countdown, the board shows it too", async () => {
    await openOrder(customer.page);
    await openOrder(staff.page);
    await staff.page.getByRole("button", { name: "20 min" }).click();
    const eta = customer.page.getByTestId("order-eta");
    await eta.waitFor(live);
    expect(await eta.textContent()).toMatch(/^ETA \d{1,2}:\d{2}.*\(in (19|20) min\)$/);
    await openBoard(staff.page);
    expect(await card(staff.page).locator(".eta").textContent()).toMatch(/\(in (19|20) min\)/);
  });
});

describe("a hidden tab", () => {
  it("counts a new message as (1) in front of the title and clears it on return", async () => {
    await openOrder(customer.page);
    const title = await customer.page.title();
    // The person switches to another tab. Headless Chromium keeps every page "visible" (another
    // page in front, a minimized window: measured, no change), so the page is told what the
    // browser tells a tab switched away from: visibilityState "hidden" and a visibilitychange.
    await setVisibility(customer.page, "hidden");
    await openOrder(staff.page);
    await sendChat(staff.page, "Leaving the kitchen now");
    await expect.poll(() => customer.page.title(), live).toBe(`(1) ${title}`);
    // Hidden, the message was not marked read: staff see no "Seen" yet.
    expect(await staff.page.getByTestId("chat-seen").count()).toBe(0);
    await setVisibility(customer.page, "visible");
    await expect.poll(() => customer.page.title(), live).toBe(title);
    await staff.page.getByTestId("chat-seen").waitFor(live);
  });
});

describe("screens", () => {
  it("board and both order pages at desktop and 390 px: screenshots, and no serious or critical axe violation", async () => {
    // A customer message waiting on the board, and one being typed on the customer's page.
    await openBoard(staff.page);
    await openOrder(customer.page);
    await sendChat(customer.page, "Could you add napkins?");
    await card(staff.page).getByTestId("unread-count").waitFor(live);
    const pages: Array<[string, BrowserUser, () => Promise<void>]> = [
      ["board", staff, async () => void (await card(staff.page).getByTestId("unread-count").waitFor(live))],
      ["staff-order-page", staff, () => openOrder(staff.page)],
      ["customer-order-page", customer, async () => void (await customer.page.getByTestId("chat-seen").waitFor(live))],
    ];
    for (const [name, user, open] of pages) {
      for (const [viewportName, viewport] of [
        ["desktop", desktop.viewport],
        ["390px", phone.viewport],
      ] as const) {
        await user.page.setViewportSize(viewport);
        await open();
        await user.page.waitForTimeout(300);
        await checkAxe(user.page, `${name} at ${viewportName}`);
        await user.page.screenshot({
          path: screenshotPath(rootDir, `product-${name}-${viewportName}`),
          fullPage: true,
        });
      }
    }
    await staff.page.setViewportSize(desktop.viewport);
    await customer.page.setViewportSize(phone.viewport);
    expect(customer.problems).toEqual([]);
    expect(staff.problems).toEqual([]);
  });
});

describe("staff presence", () => {
  it("shows online while a staff connection heartbeats, offline within two intervals of a staff browser dying without $disconnect", async () => {
    await openOrder(customer.page);
    const presence = customer.page.getByTestId("staff-presence");
    await expect.poll(() => presence.textContent(), live).toBe("online");
    // A second staff browser; the first signs off cleanly (its $disconnect runs): still online.
    const second = await openAs(browser, stack.outputs.web, "staff@example.com", desktop);
    await staff.context.close();
    await new Promise((resolve) => setTimeout(resolve, heartbeatSeconds * 1000));
    expect(await presence.textContent()).toBe("online");
    // The second one freezes (its JavaScript stops, as in a crashed or suspended browser): no more
    // heartbeats, its socket still open, so no $disconnect.
    const disconnectsBefore = stack.invocations()[webSocketApi.routes.$disconnect.handler]?.count ?? 0;
    const cdp = await second.context.newCDPSession(second.page);
    await cdp.send("Debugger.enable");
    await cdp.send("Debugger.pause");
    const frozenAt = Date.now();
    await presence.filter({ hasText: "offline" }).waitFor({ timeout: 4 * heartbeatSeconds * 1000 });
    const offlineAfterMs = Date.now() - frozenAt;
    console.info(`staff presence: offline ${offlineAfterMs} ms after the staff browser froze`);
    expect(offlineAfterMs).toBeLessThan(2 * heartbeatSeconds * 1000);
    expect(stack.invocations()[webSocketApi.routes.$disconnect.handler]?.count ?? 0).toBe(disconnectsBefore);
    await cdp.send("Debugger.resume").catch(() => undefined);
    await second.context.close();
  });
});
