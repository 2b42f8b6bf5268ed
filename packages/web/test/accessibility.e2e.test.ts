/**
 * Accessibility of every screen (SPEC §7), in Chromium at desktop width and at 390 px: axe-core
 * finds no serious or critical violation; each screen has an `h1` and a title of its own; focus
 * lands on new content after navigation and actions; the focus ring and the status badges keep
 * their contrast; buttons' names contain their visible text; and on a slow network the HTML
 * shell paints the app's frame before the JavaScript has arrived.
 */
import { writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { AxeBuilder } from "@axe-core/playwright";
import { type AppStack, rootDir, startAppStack } from "@live-orders/local/testing/app-stack";
import { runEmulators } from "@live-orders/local/testing/run-emulators";
import { sampleOrder } from "@live-orders/local/testing/sample-order";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOrdersApi } from "../src/realtime/orders-api";
import {
  desktop,
  launchChromium,
  newWatchedContext,
  phone,
  placeOrderWithForm,
  screenshotPath,
  signIn,
} from "./browser";

const live = { timeout: 15_000 };
let stack: AppStack;
let browser: Browser;
let orderId: string;

/** Axe's impact levels, most severe first. */
const impacts = ["critical", "serious", "moderate", "minor"] as const;
type Counts = Record<(typeof impacts)[number], number>;
const results: Array<{ screen: string; viewport: string; title: string; counts: Counts; violations: string[] }> = [];

beforeAll(async () => {
  stack = await startAppStack({ ...runEmulators(), env: { POWERTOOLS_LOG_LEVEL: "WARN" }, web: true });
  const alice = createOrdersApi(stack.clientOptions("alice@example.com"));
  const staff = createOrdersApi(stack.clientOptions("staff@example.com"));
  // Something on every screen: orders in several statuses, one delivered for the history.
  const order = await alice.placeOrder(sampleOrder);
  orderId = order.id;
  const delivered = await alice.placeOrder(sampleOrder);
  let version = 1;
  for (const status of ["confirmed", "preparing", "ready", "out_for_delivery", "delivered"] as const)
    await staff.setStatus(delivered.id, status, version++);
  const preparing = await alice.placeOrder(sampleOrder);
  await staff.setStatus(preparing.id, "confirmed", 1);
  await staff.setStatus(preparing.id, "preparing", 2);
  browser = await launchChromium();
});

afterAll(async () => {
  if (results.length > 0) {
    const file = screenshotPath(rootDir, "axe-results").replace(/\.png$/, ".json");
    writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
    console.info(
      `axe-core per screen (critical/serious/moderate/minor), written to ${file.slice(dirname(rootDir).length)}:\n${results
        .map(
          (r) =>
            `  ${r.screen.padEnd(12)} ${r.viewport.padEnd(8)} ${impacts.map((i) => r.counts[i]).join("/")}  ${r.violations.join(", ")}`,
        )
        .join("\n")}`,
    );
  }
  await browser?.close();
  await stack?.stop();
});

async function axe(page: Page, screen: string, viewport: string): Promise<void> {
  const analysis = await new AxeBuilder({ page })
    // Experimental in axe 4.14, and exactly WCAG 2.5.3: a button's name contains its visible text.
    .options({ rules: { "label-content-name-mismatch": { enabled: true } } })
    .analyze();
  const counts: Counts = { critical: 0, serious: 0, moderate: 0, minor: 0 };
  for (const violation of analysis.violations) counts[violation.impact ?? "minor"] += violation.nodes.length;
  const title = await page.title();
  results.push({
    screen,
    viewport,
    title,
    counts,
    violations: analysis.violations.map((v) => `${v.id}(${v.impact}×${v.nodes.length})`),
  });
  const severe = analysis.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(
    severe.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join("; ")}`),
    `${screen} at ${viewport}`,
  ).toEqual([]);
  // biome-ignore lint/performance/useDomNodeTextContent: what a person sees, not hidden text
  const shown = (await page.locator("body").innerText()).replace(/\s+/g, " ").slice(0, 160);
  expect(await page.locator("h1").count(), `${screen}: one h1 (the page shows "${shown}")`).toBe(1);
}

/**
 * Buttons whose accessible name does not contain the words they show: text a person can see
 * (not screen-reader-only text clipped to a pixel, not an icon), symbols like × aside.
 */
function namesWithoutTheirText(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll("button")].flatMap((button) => {
      const walker = document.createTreeWalker(button, NodeFilter.SHOW_TEXT);
      let visible = "";
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const box = node.parentElement?.getBoundingClientRect();
        if (box && box.width > 1 && box.height > 1) visible += node.textContent ?? "";
      }
      visible = visible.replace(/\s+/g, " ").trim();
      const label = button.getAttribute("aria-label");
      if (!label || !/[\p{L}\p{N}]/u.test(visible)) return [];
      return label.toLowerCase().includes(visible.toLowerCase()) ? [] : [`"${label}" shows "${visible}"`];
    }),
  );
}

const screens: Array<{ name: string; user?: string; open: (page: Page) => Promise<void> }> = [
  { name: "landing", open: async (page) => void (await page.getByRole("heading", { level: 1 }).waitFor(live)) },
  {
    name: "sign-in",
    open: async (page) => {
      await page.getByRole("button", { name: "Sign in", exact: true }).click();
      await page.locator('input[name="username"]').waitFor({ timeout: 120_000 });
    },
  },
  {
    name: "sign-up",
    open: async (page) => {
      await page.getByRole("button", { name: "Create account" }).click();
      await page.locator('input[name="confirm_password"]').waitFor({ timeout: 120_000 });
    },
  },
  {
    name: "my-orders",
    user: "alice@example.com",
    open: async (page) => void (await page.getByTestId("order-card").first().waitFor(live)),
  },
  {
    name: "order-page",
    user: "alice@example.com",
    open: async (page) => {
      await page.goto(new URL(`#/orders/${orderId}`, stack.outputs.web).toString());
      await page.getByTestId("order-status").waitFor(live);
    },
  },
  {
    name: "board",
    user: "staff@example.com",
    open: async (page) => void (await page.getByTestId("order-card").first().waitFor(live)),
  },
  {
    name: "history",
    user: "staff@example.com",
    open: async (page) => {
      await page.getByRole("link", { name: "History" }).click();
      await page.locator('[data-testid="order-card"][data-status="delivered"]').first().waitFor(live);
    },
  },
];

describe("axe-core on every screen", () => {
  for (const [viewportName, viewport] of [
    ["desktop", desktop],
    ["390px", phone],
  ] as const) {
    it(`finds no serious or critical violation at ${viewportName}, and every screen has an h1 and its own title`, async () => {
      const titles = new Map<string, string>();
      for (const screen of screens) {
        const { context, page, problems } = await newWatchedContext(browser, viewport);
        let loads = 0;
        page.on("load", () => loads++);
        await page.goto(stack.outputs.web);
        if (screen.user) await signIn(page, screen.user);
        await screen.open(page);
        await page.waitForTimeout(300); // let a late toast or focus settle before axe reads the page
        await axe(page, screen.name, viewportName);
        // A reload mid-screen (e.g. Vite re-optimizing a late dependency) would lose a user's state.
        expect({ problems, reloads: loads - 1 }, screen.name).toEqual({ problems: [], reloads: 0 });
        expect(await namesWithoutTheirText(page), screen.name).toEqual([]);
        titles.set(screen.name, await page.title());
        await page.screenshot({ path: screenshotPath(rootDir, `a11y-${screen.name}-${viewportName}`) });
        await context.close();
      }
      expect(new Set(titles.values()).size, [...titles.values()].join(" | ")).toBe(screens.length);
    });
  }
});

describe("focus", () => {
  it("lands on the new screen's heading after sign-in and after placing, on the status after cancelling", async () => {
    const context = await browser.newContext(phone);
    const page = await context.newPage();
    await page.goto(stack.outputs.web);
    await signIn(page, "bob@example.com");
    const focused = () =>
      page.evaluate(() => {
        const element = document.activeElement as HTMLElement | null;
        return element ? `${element.tagName.toLowerCase()}:${element.textContent?.trim()}` : "none";
      });
    await expect.poll(focused, live).toBe("h1:My orders");
    await placeOrderWithForm(page, ["Lemonade"]);
    await page.getByTestId("order-status").waitFor(live);
    await expect.poll(focused, live).toMatch(/^h1:Order #[0-9A-F]{6}$/);
    await page.getByRole("button", { name: /^Cancel order/ }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Cancel order" }).click();
    await expect.poll(() => page.getByTestId("order-status").getAttribute("data-status"), live).toBe("cancelled");
    await expect.poll(focused, live).toBe("span:Cancelled");
    await context.close();
  });

  it("shows a focus ring of at least 3:1 against what is around it", async () => {
    const context = await browser.newContext(desktop);
    const page = await context.newPage();
    await page.goto(stack.outputs.web);
    await page.getByRole("heading", { level: 1 }).waitFor(live);
    // The landing's h1 has focus: Shift+Tab reaches the brand link in the dark header, then Tab
    // twice the "Sign in" button on the light panel.
    const ratios = [];
    for (const keys of [["Shift+Tab"], ["Tab", "Tab"]]) {
      for (const key of keys) await page.keyboard.press(key);
      ratios.push(
        await page.evaluate(() => {
          const element = document.activeElement as HTMLElement;
          const parse = (color: string) => (color.match(/[\d.]+/g) ?? []).slice(0, 3).map(Number);
          const luminance = ([r, g, b]: number[]) => {
            const [R, G, B] = [r!, g!, b!].map((c) => {
              const s = c / 255;
              return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
            });
            return 0.2126 * R! + 0.7152 * G! + 0.0722 * B!;
          };
          let around = element.parentElement;
          while (around && getComputedStyle(around).backgroundColor.match(/rgba\(.*, 0\)$|transparent/))
            around = around.parentElement;
          const ring = luminance(parse(getComputedStyle(element).outlineColor));
          const background = luminance(parse(getComputedStyle(around ?? document.body).backgroundColor));
          const [light, dark] = ring > background ? [ring, background] : [background, ring];
          return { what: element.textContent?.trim(), ratio: (light + 0.05) / (dark + 0.05) };
        }),
      );
    }
    console.info(`focus ring contrast: ${ratios.map((r) => `${r.what} ${r.ratio.toFixed(2)}:1`).join(", ")}`);
    for (const { ratio } of ratios) expect(ratio).toBeGreaterThanOrEqual(3);
    await context.close();
  });
});

describe("first paint on a slow network", () => {
  it("shows the app's frame from the HTML before the JavaScript has arrived", async () => {
    const context = await browser.newContext(phone);
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send("Network.enable");
    // The issue's network: 400 ms round trips, 400 kbit/s.
    const slow = { offline: false, latency: 400, downloadThroughput: 400_000 / 8, uploadThroughput: 400_000 / 8 };
    await cdp.send("Network.emulateNetworkConditions", slow);
    const started = Date.now();
    await page.goto(stack.outputs.web, { waitUntil: "commit", timeout: 60_000 });
    await page.waitForFunction(() => performance.getEntriesByName("first-contentful-paint").length > 0, null, {
      timeout: 60_000,
      polling: 50,
    });
    const atFirstPaint = await page.evaluate(() => ({
      paint: performance.getEntriesByName("first-contentful-paint")[0]!.startTime,
      frame: document.querySelector("#root .app-header .brand")?.textContent ?? null,
      appRendered: document.querySelector("h1") !== null,
    }));
    await page.screenshot({ path: screenshotPath(rootDir, "first-paint-slow-network-phone") });
    // The rest of the (unbundled, dev-server) JavaScript would take minutes at this speed: let it in.
    await cdp.send("Network.emulateNetworkConditions", {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: -1,
    });
    await page.getByRole("heading", { level: 1 }).waitFor({ timeout: 120_000 });
    console.info(
      `slow network (400 ms, 400 kbit/s): first contentful paint at ${Math.round(atFirstPaint.paint)} ms ` +
        `(${Date.now() - started} ms to the app once unthrottled), frame "${atFirstPaint.frame}", app rendered then: ${atFirstPaint.appRendered}`,
    );
    expect(atFirstPaint.frame).toBe("Live Orders");
    expect(atFirstPaint.appRendered).toBe(false);
    await context.close();
  }, 240_000);
});
