/**
 * Issue 14 in real Chromium on the whole local stack: lists that reach every order and keep the
 * open ones live, paginated history, and screens that tell the truth when a load or an action
 * fails (load-error + retry, 409s in the server's words, offline, cancel confirmation,
 * sign-out in every tab).
 */
import type { Order } from "@live-orders/core/protocol";
import { type AppStack, rootDir, startAppStack } from "@live-orders/local/testing/app-stack";
import { runEmulators } from "@live-orders/local/testing/run-emulators";
import { sampleOrder } from "@live-orders/local/testing/sample-order";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { RealtimeClient } from "../src/realtime/client";
import { createOrdersApi } from "../src/realtime/orders-api";
import { type BrowserUser, desktop, launchChromium, openAs, phone, screenshotPath, signIn } from "./browser";

const live = { timeout: 8_000 };
let stack: AppStack;
let browser: Browser;
const api = (email: string) => createOrdersApi(stack.clientOptions(email));

beforeAll(async () => {
  stack = await startAppStack({
    ...runEmulators(),
    // Seeding places 60 orders of one customer and 120 messages on one order in seconds: far past
    // the per-user limits, which are the abuse suite's subject, not this one's.
    env: {
      POWERTOOLS_LOG_LEVEL: "WARN",
      LIVE_ORDERS_RATE_LIMIT_FRAMES: "100000",
      LIVE_ORDERS_RATE_LIMIT_ORDERS: "1000",
      LIVE_ORDERS_RATE_LIMIT_CHAT: "1000",
    },
    web: true,
  });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

function card(page: Page, orderId: string) {
  return page.locator(`[data-testid="order-card"][data-order-id="${orderId}"]`);
}

function home(): string {
  return new URL("#/", stack.outputs.web).toString();
}

/** Subscribe/unsubscribe frames the page's app socket sends (not Vite's HMR socket). */
function countTopicFrames(page: Page): { frames: string[] } {
  const counter = { frames: [] as string[] };
  const webPort = new URL(stack.outputs.web).port;
  page.on("websocket", (socket) => {
    if (new URL(socket.url()).port === webPort) return;
    socket.on("framesent", (frame) => {
      const data = JSON.parse(String(frame.payload)) as { action?: string; topic?: string };
      if (data.action === "subscribe" || data.action === "unsubscribe")
        counter.frames.push(`${data.action} ${data.topic}`);
    });
  });
  return counter;
}

async function markNoReload(page: Page): Promise<void> {
  await page.evaluate(() => ((window as unknown as { __noReload: boolean }).__noReload = true));
}
async function stillNoReload(page: Page): Promise<boolean> {
  return page.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload === true);
}

describe("My orders with 60 orders", () => {
  let orders: Order[] = [];
  let bob: BrowserUser;

  beforeAll(async () => {
    // Oldest first: 60 orders of bob's, all placed.
    for (let i = 0; i < 60; i++) orders.push(await api("bob@example.com").placeOrder(sampleOrder));
    bob = await openAs(browser, stack.outputs.web, "bob@example.com", phone);
  });
  afterAll(async () => {
    await bob?.context.close();
    orders = [];
  });

  it("reaches the oldest order page by page and keeps an open order beyond the first page live", async () => {
    const { page } = bob;
    await markNoReload(page);
    await expect.poll(() => page.getByTestId("order-card").count(), live).toBe(25);
    const oldest = orders[0]!;
    const beyondFirstPage = orders[10]!; // 50th newest: on the second page
    for (let clicks = 0; clicks < 3 && (await card(page, oldest.id).count()) === 0; clicks++) {
      await page.getByTestId("load-more").click();
      await expect
        .poll(() => page.getByTestId("order-card").count(), live)
        .toBeGreaterThanOrEqual(Math.min(60, 25 * (clicks + 2)));
    }
    await card(page, oldest.id).scrollIntoViewIfNeeded();
    expect(await page.getByTestId("order-card").count()).toBe(60);
    expect(await page.getByTestId("load-more").count()).toBe(0);
    await page.screenshot({ path: screenshotPath(rootDir, "my-orders-60-phone"), fullPage: false });

    await api("staff@example.com").setStatus(beyondFirstPage.id, "confirmed", 1);
    await api("staff@example.com").setStatus(oldest.id, "confirmed", 1);
    await expect.poll(() => card(page, beyondFirstPage.id).getAttribute("data-status"), live).toBe("confirmed");
    await expect.poll(() => card(page, oldest.id).getAttribute("data-status"), live).toBe("confirmed");
    expect(await stillNoReload(page)).toBe(true);
    expect(bob.problems).toEqual([]);
  });

  it("goes list → order → list twice with a handful of subscribe frames and no rate limit", async () => {
    const { page } = bob;
    const counter = countTopicFrames(page);
    // The socket already exists: watch frames on it through a fresh page load of the same tab.
    await page.goto(home());
    await page.reload();
    await page.getByTestId("connection-state").filter({ hasText: "connected" }).waitFor(live);
    await expect.poll(() => page.getByTestId("order-card").count(), live).toBe(25);
    const before = counter.frames.length;
    for (const order of [orders[59]!, orders[58]!]) {
      await card(page, order.id).getByRole("link").click();
      await page.getByTestId("order-status").waitFor(live);
      await page.getByRole("link", { name: /My orders/ }).click();
      await expect.poll(() => page.getByTestId("order-card").count(), live).toBeGreaterThan(0);
    }
    await page.waitForTimeout(1_500); // the unsubscribe linger
    const sent = counter.frames.slice(before);
    console.info(`list → order → list twice: ${sent.length} subscribe/unsubscribe frames: ${sent.join(", ")}`);
    expect(sent.length).toBeLessThanOrEqual(8);
    expect(await page.getByText(/Too many requests/).count()).toBe(0);
    expect(bob.problems).toEqual([]);
  });

  it("shows load-error (not an empty list) while offline, and the orders once back online, without a reload", async () => {
    const { page, context } = bob;
    await card(page, orders[59]!.id).getByRole("link").click();
    await page.getByTestId("order-status").waitFor(live);
    await markNoReload(page);
    await context.setOffline(true);
    await page.getByTestId("connection-state").filter({ hasText: "offline" }).waitFor(live);
    await page.getByRole("link", { name: /My orders/ }).click();
    await page.getByTestId("load-error").waitFor(live);
    expect(await page.getByText(/No orders yet/).count()).toBe(0);
    expect(await page.getByTestId("retry").count()).toBe(1);
    await page.screenshot({ path: screenshotPath(rootDir, "my-orders-offline-phone") });
    await context.setOffline(false);
    await expect.poll(() => page.getByTestId("order-card").count(), { timeout: 30_000 }).toBe(25);
    expect(await page.getByTestId("load-error").count()).toBe(0);
    expect(await stillNoReload(page)).toBe(true);
  });
});

describe("an order page with a long chat", () => {
  it("opens on the newest 100 events and loads the older messages on demand", async () => {
    const order = await api("alice@example.com").placeOrder(sampleOrder);
    const client = new RealtimeClient({ ...stack.clientOptions("alice@example.com"), WebSocket });
    try {
      for (let i = 1; i <= 120; i++) await client.sendMessage(order.id, `message ${i}`);
    } finally {
      client.close();
    }
    const alice = await openAs(browser, stack.outputs.web, "alice@example.com", desktop);
    const { page } = alice;
    await page.goto(new URL(`#/orders/${order.id}`, stack.outputs.web).toString());
    await page.getByTestId("order-status").waitFor(live);
    const texts = () => page.getByTestId("chat-message").locator(".chat-text").allTextContents();
    await expect.poll(async () => (await texts()).length, live).toBe(100);
    expect((await texts())[0]).toBe("message 21");
    await page.getByTestId("load-more").click();
    await expect.poll(async () => (await texts()).length, live).toBe(120);
    expect((await texts()).slice(0, 2)).toEqual(["message 1", "message 2"]);
    expect(await page.getByTestId("load-more").count()).toBe(0);
    await page.screenshot({ path: screenshotPath(rootDir, "order-long-chat") });
    expect(alice.problems).toEqual([]);
    await alice.context.close();
  });
});

describe("the staff board and history", () => {
  it("keeps active orders by status on one screen, pages the history, finds an order by number", async () => {
    const placed = [] as Order[];
    for (let i = 0; i < 40; i++) placed.push(await api("alice@example.com").placeOrder(sampleOrder));
    for (const order of placed.slice(0, 30)) await api("staff@example.com").cancel(order.id);
    const staff = await openAs(browser, stack.outputs.web, "staff@example.com", desktop);
    const { page } = staff;
    await card(page, placed[39]!.id).waitFor(live);
    const height = await page.evaluate(() => document.documentElement.scrollHeight);
    console.info(`board page height with ${placed.length} orders: ${height} px (viewport 860)`);
    await page.screenshot({ path: screenshotPath(rootDir, "staff-board-desktop") });
    expect(height).toBeLessThanOrEqual(860 * 1.2);

    const historyPages: string[] = [];
    page.on("request", (request) => {
      const url = new URL(request.url());
      if (url.pathname === "/orders" && request.method() === "GET" && !url.searchParams.has("limit"))
        historyPages.push(url.search);
    });
    // History pages are slow to come: switching to Cancelled while the delivered page is on its
    // way must not let the stale answer start the reading over (it did, in a loop, on a
    // throttled network).
    await page.route(/\/orders\?status=(delivered|cancelled)$/, async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      await route.continue();
    });
    await page.getByRole("link", { name: "History" }).click();
    await page.getByRole("heading", { name: "Order history", level: 1 }).waitFor(live);
    await page.getByRole("button", { name: "Cancelled" }).click();
    await expect.poll(() => page.locator('[data-testid="order-card"][data-status="cancelled"]').count(), live).toBe(25);
    await page.waitForTimeout(2_500);
    // One page per view: the delivered view's first page, the cancelled view's first page.
    expect(historyPages, historyPages.join(" ")).toEqual(["?status=delivered", "?status=cancelled"]);
    await page.getByTestId("load-more").click();
    await expect
      .poll(() => page.locator('[data-testid="order-card"][data-status="cancelled"]').count(), live)
      .toBeGreaterThanOrEqual(30);
    await card(page, placed[0]!.id).waitFor(live);
    await page.screenshot({ path: screenshotPath(rootDir, "staff-history-desktop") });

    const number = placed[35]!.id.slice(-6).toUpperCase();
    await page.getByTestId("order-search").fill(`#${number}`);
    await card(page, placed[35]!.id).waitFor(live);
    expect(await page.getByTestId("order-card").count()).toBe(1);
    await page.setViewportSize(phone.viewport);
    await page.screenshot({ path: screenshotPath(rootDir, "staff-search-phone") });
    expect(staff.problems).toEqual([]);
    await staff.context.close();
  });

  it("catches up after a reconnect with the active statuses and what finished meanwhile, not all history", async () => {
    const staff = await openAs(browser, stack.outputs.web, "staff@example.com", desktop);
    const { page, context } = staff;
    const order = await api("alice@example.com").placeOrder(sampleOrder);
    await card(page, order.id).waitFor(live);
    await markNoReload(page);
    await context.setOffline(true);
    await page.getByTestId("connection-state").filter({ hasText: "offline" }).waitFor(live);
    await api("staff@example.com").setStatus(order.id, "confirmed", 1);
    const listings: string[] = [];
    page.on("request", (request) => {
      const url = new URL(request.url());
      if (url.pathname === "/orders" && request.method() === "GET") listings.push(url.search);
    });
    await context.setOffline(false);
    await expect.poll(() => card(page, order.id).getAttribute("data-status"), { timeout: 30_000 }).toBe("confirmed");
    await page.waitForTimeout(1_000);
    console.info(`reconnect catch-up listings: ${listings.length}: ${listings.join(" ")}`);
    expect(listings.length).toBe(7);
    for (const search of listings)
      expect(search).toMatch(/status=(placed|confirmed|preparing|ready|out_for_delivery)|updatedAfter=/);
    expect(listings.filter((search) => search.includes("updatedAfter"))).toHaveLength(2);
    expect(await stillNoReload(page)).toBe(true);
    await context.close();
  });
});

describe("actions that tell the truth", () => {
  it("asks before cancelling, and a 409 toast says what staff did first", async () => {
    const alice = await openAs(browser, stack.outputs.web, "alice@example.com", phone);
    const { page } = alice;
    // The customer's socket loses the next pushed frames: the page still shows "placed".
    let dropping = false;
    await page.routeWebSocket(
      (url) => url.port === new URL(stack.outputs.ws).port,
      (socket) => {
        const server = socket.connectToServer();
        server.onMessage((message) => {
          if (!dropping) socket.send(message);
        });
      },
    );
    await page.reload();
    await page.getByTestId("connection-state").filter({ hasText: "connected" }).waitFor(live);
    const order = await api("alice@example.com").placeOrder(sampleOrder);
    await page.goto(new URL(`#/orders/${order.id}`, stack.outputs.web).toString());
    await expect.poll(() => page.getByTestId("order-status").getAttribute("data-status"), live).toBe("placed");
    dropping = true;
    await api("staff@example.com").setStatus(order.id, "confirmed", 1);

    await page.getByRole("button", { name: /^Cancel order/ }).click();
    const dialog = page.getByRole("dialog", { name: /Cancel order/ });
    await dialog.waitFor(live);
    await page.screenshot({ path: screenshotPath(rootDir, "cancel-confirm-phone") });
    await dialog.getByRole("button", { name: "Keep order" }).click();
    await expect.poll(() => dialog.isVisible()).toBe(false);
    await page.getByRole("button", { name: /^Cancel order/ }).click();
    await dialog.getByRole("button", { name: "Cancel order" }).click();
    const toast = page.getByRole("alert").filter({ hasText: /Staff confirmed this order/ });
    await toast.waitFor(live);
    expect(await toast.textContent()).toContain("Staff confirmed this order, so it can no longer be cancelled here");
    expect(await toast.textContent()).not.toContain("try again");
    // The page was behind: it reads the order again and shows what staff did.
    await expect.poll(() => page.getByTestId("order-status").getAttribute("data-status"), live).toBe("confirmed");
    await page.screenshot({ path: screenshotPath(rootDir, "conflict-toast-phone") });
    expect(await page.getByRole("button", { name: /^Cancel order/ }).count()).toBe(0);
    dropping = false;
    await alice.context.close();
  });

  it("says the user is offline when an action cannot be sent", async () => {
    const alice = await openAs(browser, stack.outputs.web, "alice@example.com", phone);
    const { page, context } = alice;
    await page.getByRole("button", { name: "One more Lemonade" }).click();
    await context.setOffline(true);
    await page.getByRole("button", { name: "Place order" }).click();
    await page
      .getByRole("alert")
      .filter({ hasText: /You are offline/ })
      .waitFor(live);
    expect(await page.getByText("Failed to fetch").count()).toBe(0);
    await context.setOffline(false);
    await context.close();
  });

  it("signs out every tab and closes their sockets when one tab signs out", async () => {
    const first = await openAs(browser, stack.outputs.web, "alice@example.com", desktop);
    const second = await first.context.newPage();
    const webPort = new URL(stack.outputs.web).port;
    let secondSocketClosed = false;
    second.on("websocket", (socket) => {
      if (new URL(socket.url()).port !== webPort) socket.on("close", () => (secondSocketClosed = true));
    });
    await second.goto(home());
    await second.getByTestId("connection-state").filter({ hasText: "connected" }).waitFor(live);
    await first.page.getByRole("button", { name: "Sign out" }).click();
    await second.getByRole("button", { name: "Sign in", exact: true }).waitFor(live);
    await expect.poll(() => secondSocketClosed, live).toBe(true);
    expect(await second.getByTestId("connection-state").count()).toBe(0);
    // And signing in again works in that tab.
    await signIn(second, "alice@example.com");
    await first.context.close();
  });
});
