/**
 * `npx tsx bench/board-scale.ts` (`-- --active=300 --finished=5000`): the staff board with 300
 * active and 5 000 finished orders, in Chromium on the local stack, over the throttled
 * network (400 ms round trips, 400 kbit/s) for the API and WebSocket traffic. Not part of
 * `npm run bench` (it needs Chromium and minutes of seeding); the figures go to
 * docs/lists.md, "The board at scale".
 *
 * Measured: the REST requests the board makes to show its first card and the time to it; the
 * page height at desktop and phone width; the history's first page and a search; a reconnect's
 * catch-up (requests and bytes), which must not reload the history.
 */

import type { Identity } from "@live-orders/core/authz";
import { startDynamoDbLocal } from "@live-orders/local/dynamodb/dynamodb-local";
import { startAppStack } from "@live-orders/local/testing/app-stack";
import { sampleOrder } from "@live-orders/local/testing/sample-order";
import type { CDPSession, Page } from "playwright-core";
import { desktop, launchChromium, phone, signIn } from "../packages/web/test/browser";

const argument = (name: string, fallback: number) =>
  Number(process.argv.find((arg) => arg.startsWith(`--${name}=`))?.split("=")[1] ?? fallback);
const activeCount = argument("active", 300);
const finishedCount = argument("finished", 5000);
const write = (line: string) => process.stderr.write(`${line}\n`);

/** The network, applied to the API and WebSocket traffic (the app's own files are loaded by then). */
const slowNetwork = { offline: false, latency: 400, downloadThroughput: 400_000 / 8, uploadThroughput: 400_000 / 8 };

async function pool<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

async function main(): Promise<void> {
  const dynamo = await startDynamoDbLocal({ port: 0 });
  const stack = await startAppStack({
    dynamoEndpoint: dynamo.endpoint,
    cognitoEndpoint: undefined,
    web: true,
    env: { POWERTOOLS_LOG_LEVEL: "ERROR" },
  });
  const browser = await launchChromium();
  try {
    // Seed through core in this process, as the demo data is: the handlers' environment.
    Object.assign(process.env, stack.handlerEnvironment);
    const Order = await import("@live-orders/core/order");
    const customer: Identity = { userId: stack.userId("alice@example.com"), role: "customer" };
    const staff: Identity = { userId: stack.userId("staff@example.com"), role: "staff" };
    const started = performance.now();
    const input = sampleOrder;
    const statuses = ["placed", "confirmed", "preparing", "ready", "out_for_delivery"] as const;
    await pool(
      Array.from({ length: finishedCount }, (_, index) => index),
      16,
      async () => {
        const order = await Order.create(customer, input);
        await Order.cancel(staff, order.id);
      },
    );
    await pool(
      Array.from({ length: activeCount }, (_, index) => index),
      16,
      async (index) => {
        const order = await Order.create(customer, input);
        const target = statuses[index % statuses.length]!;
        let version = 1;
        for (const status of statuses.slice(1, statuses.indexOf(target) + 1))
          await Order.updateStatus(staff, order.id, { status, version: version++ });
      },
    );
    write(
      `seeded ${activeCount} active and ${finishedCount} finished orders in ${((performance.now() - started) / 1000).toFixed(0)} s`,
    );
    // The stream fan-out of the seeded events runs behind the writes: measure once it is done.
    const settleStarted = performance.now();
    while (stack.idleMs() < 3_000 && performance.now() - settleStarted < 600_000)
      await new Promise((resolve) => setTimeout(resolve, 500));
    write(`fan-out of the seeded events settled ${((performance.now() - settleStarted) / 1000).toFixed(0)} s later`);

    const context = await browser.newContext(desktop);
    const page = await context.newPage();
    await page.goto(stack.outputs.web);
    await signIn(page, "staff@example.com");
    await page.getByTestId("order-card").first().waitFor({ timeout: 60_000 });
    const cdp = await context.newCDPSession(page);
    await cdp.send("Network.enable");

    const board = await measureBoardOpen(page, cdp, stack.outputs.api);
    const heights = await pageHeights(page);
    const history = await measureStep(page, cdp, stack.outputs.api, async () => {
      await page.getByRole("link", { name: "History" }).click();
      await page.getByRole("button", { name: "Cancelled" }).click();
      await page.locator('[data-testid="order-card"][data-status="cancelled"]').first().waitFor({ timeout: 60_000 });
    });
    const search = await measureStep(page, cdp, stack.outputs.api, async () => {
      const some = await page.locator('[data-testid="order-card"]').first().getAttribute("data-order-id");
      await page.getByTestId("order-search").fill(`#${some!.slice(-6)}`);
      await page.locator(`[data-testid="order-card"][data-order-id="${some}"]`).waitFor({ timeout: 60_000 });
    });
    await page.getByTestId("order-search").fill("");
    await page.getByRole("link", { name: "Board" }).click();
    const reconnect = await measureStep(page, cdp, stack.outputs.api, async () => {
      await context.setOffline(true);
      await page.getByTestId("connection-state").filter({ hasText: "offline" }).waitFor();
      await context.setOffline(false);
      await page.getByTestId("connection-state").filter({ hasText: "connected" }).waitFor({ timeout: 60_000 });
      await page.waitForTimeout(3_000); // the catch-up listing, over the slow network
    });

    const rows = [
      ["open the board (from an order page)", board],
      ["history: first page of cancelled", history],
      ["search by order number", search],
      ["reconnect catch-up", reconnect],
    ] as const;
    process.stdout.write(
      `\nThe board with ${activeCount} active and ${finishedCount} finished orders (Chromium, 400 ms / 400 kbit/s)\n\n` +
        "| step | REST requests | bytes | time to first card |\n|---|---|---|---|\n" +
        rows
          .map(([step, m]) => `| ${step} | ${m.requests} (${m.paths.join(", ")}) | ${m.bytes} | ${m.ms} ms |`)
          .join("\n") +
        `\n\nPage height: ${heights.desktop} px at 1280×860, ${heights.phone} px at 390×844.\n`,
    );
    await context.close();
  } finally {
    await browser.close();
    await stack.stop();
    await dynamo.stop();
  }
}

interface StepMeasure {
  requests: number;
  paths: string[];
  bytes: number;
  ms: number;
}

/** Runs `step` on the slow network, counting the REST requests it makes and their response bytes. */
async function measureStep(
  page: Page,
  cdp: CDPSession,
  apiUrl: string,
  step: () => Promise<void>,
): Promise<StepMeasure> {
  const api = new URL(apiUrl);
  const paths: string[] = [];
  const sizes: Promise<number>[] = [];
  const stepStartedAt = Date.now();
  const onFinished = (request: import("playwright-core").Request) => {
    const url = new URL(request.url());
    if (url.host !== api.host) return;
    const preflight = request.method() === "OPTIONS";
    if (!preflight) paths.push(`${url.pathname}${url.search.replace(/cursor=[^&]+/, "cursor=…")}`);
    sizes.push(
      request.sizes().then((size) => {
        const timing = request.timing();
        if (process.env.BOARD_SCALE_TRACE)
          write(
            `  +${Math.round(timing.startTime - stepStartedAt)} ms ${Math.round(timing.responseEnd)} ms ` +
              `${size.responseBodySize} B ${request.method()} ${url.pathname}${url.search.slice(0, 90)}`,
          );
        return preflight ? 0 : size.responseBodySize;
      }),
    );
  };
  page.on("requestfinished", onFinished);
  await cdp.send("Network.emulateNetworkConditions", slowNetwork);
  const started = performance.now();
  let ms = 0;
  try {
    await step();
  } finally {
    ms = Math.round(performance.now() - started);
    await cdp.send("Network.emulateNetworkConditions", {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: -1,
    });
    page.off("requestfinished", onFinished);
  }
  const bytes = (await Promise.all(sizes)).reduce((sum, size) => sum + size, 0);
  return { requests: paths.length, paths: summarize(paths), bytes, ms };
}

function summarize(paths: string[]): string[] {
  const counts = new Map<string, number>();
  for (const path of paths) {
    const key = path.replace(/\/orders\/[^/?]+/, "/orders/{id}").replace(/status=[a-z_]+/, "status=…");
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([path, count]) => `${count}× ${path}`);
}

/** From an order page back to the board: the board mounts, subscribes and lists, over the slow network. */
async function measureBoardOpen(page: Page, cdp: CDPSession, apiUrl: string): Promise<StepMeasure> {
  const someOrder = await page.locator('[data-testid="order-card"]').first().getAttribute("data-order-id");
  await page.goto(new URL(`#/orders/${someOrder}`, page.url()).toString());
  await page.getByTestId("order-status").waitFor({ timeout: 60_000 });
  return measureStep(page, cdp, apiUrl, async () => {
    await page.getByRole("link", { name: /Board/ }).first().click();
    await page.getByTestId("order-card").first().waitFor({ timeout: 60_000 });
  });
}

async function pageHeights(page: Page): Promise<{ desktop: number; phone: number }> {
  const height = () => page.evaluate(() => document.documentElement.scrollHeight);
  const atDesktop = await height();
  await page.setViewportSize(phone.viewport);
  await page.waitForTimeout(300);
  const atPhone = await height();
  await page.setViewportSize(desktop.viewport);
  return { desktop: atDesktop, phone: atPhone };
}

main().catch((error: unknown) => {
  write(`board-scale failed: ${(error as Error).stack ?? error}`);
  process.exit(1);
});
