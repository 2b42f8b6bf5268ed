/**
 * The colours of styles.css that carry meaning keep their contrast (WCAG 1.4.3, 1.4.11): every
 * status badge's text at least 4.5:1 on its background, the focus ring at least 3:1 on the page
 * and panel backgrounds. Read from the stylesheet itself, so a colour change is checked here.
 */
import { readFileSync } from "node:fs";
import { orderStatuses } from "@live-orders/core/order-status";
import { describe, expect, it } from "vitest";

const css = readFileSync(new URL("./styles.css", import.meta.url), "utf8");
const variables = new Map([...css.matchAll(/--([\w-]+):\s*(#[0-9a-f]{3,6})\b/gi)].map((m) => [m[1]!, m[2]!]));

function resolve(value: string): string {
  const variable = /var\(--([\w-]+)\)/.exec(value);
  return variable ? variables.get(variable[1]!)! : value.trim();
}

/** The declarations of the rule whose selector is exactly `selector`. */
function rule(selector: string): Record<string, string> {
  const escaped = selector.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const body = new RegExp(`(?:^|\\n)${escaped}\\s*\\{([^}]*)\\}`).exec(css)?.[1];
  if (body === undefined) throw new Error(`no rule ${selector} in styles.css`);
  return Object.fromEntries(
    body
      .split(";")
      .map((declaration) => declaration.split(":").map((part) => part.trim()))
      .filter((parts) => parts.length === 2 && parts[0])
      .map(([name, value]) => [name!, resolve(value!)]),
  );
}

function luminance(hex: string): number {
  const digits = hex.replace("#", "");
  const full = digits.length === 3 ? [...digits].map((d) => d + d).join("") : digits;
  const [r, g, b] = [0, 2, 4].map((i) => {
    const channel = Number.parseInt(full.slice(i, i + 2), 16) / 255;
    return channel <= 0.03928 ? channel / 12.92 : ((channel + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}

export function contrast(a: string, b: string): number {
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (light! + 0.05) / (dark! + 0.05);
}

describe("styles.css contrast", () => {
  it("gives every status badge text of at least 4.5:1 on its background", () => {
    const base = rule(".status");
    const ratios = orderStatuses.map((status) => {
      const own = rule(`.status-${status}`);
      const color = own.color ?? base.color!;
      const background = own.background ?? base.background!;
      return { status, ratio: Number(contrast(color, background).toFixed(2)) };
    });
    for (const { status, ratio } of ratios) expect(ratio, status).toBeGreaterThanOrEqual(4.5);
  });

  it("draws the focus ring at least 3:1 against the page, the panels and the board columns", () => {
    const ring = variables.get("focus")!;
    for (const background of [variables.get("bg")!, variables.get("panel")!, rule(".board-column").background!])
      expect(contrast(ring, background), background).toBeGreaterThanOrEqual(3);
    expect(
      contrast(rule(".app-header :focus-visible")["outline-color"]!, rule(".app-header").background!),
    ).toBeGreaterThanOrEqual(3);
  });
});
