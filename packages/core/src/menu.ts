/**
 * The shop's menu: one source for the server (pricing, `GET /menu`), the web app, the demo data,
 * the tests and the benchmarks. Pure data, so the web app imports it as it is. Prices in cents.
 */

export interface MenuItem {
  sku: string;
  name: string;
  unitPriceCents: number;
}

/** The pizzeria's menu, by a short name code can refer to (`menu.margherita`). */
export const menu = {
  margherita: { sku: "PIZZA-MARG", name: "Pizza Margherita", unitPriceCents: 1150 },
  pepperoni: { sku: "PIZZA-PEPP", name: "Pizza Pepperoni", unitPriceCents: 1350 },
  salad: { sku: "SALAD-CAES", name: "Caesar salad", unitPriceCents: 890 },
  lemonade: { sku: "DRINK-LEMO", name: "Lemonade", unitPriceCents: 350 },
  tiramisu: { sku: "DESS-TIRA", name: "Tiramisu", unitPriceCents: 650 },
} as const satisfies Record<string, MenuItem>;

/** The menu in the order it is shown. (Marked pure: a bundle that never reads the menu drops it.) */
export const menuItems: readonly MenuItem[] = /* @__PURE__ */ Object.values(menu);

let bySku: ReadonlyMap<string, MenuItem> | undefined;

/** The menu item of a sku; undefined for a sku on no menu. */
export function menuItemOf(sku: string): MenuItem | undefined {
  bySku ??= new Map(menuItems.map((item) => [item.sku, item]));
  return bySku.get(sku);
}
