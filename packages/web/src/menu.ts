import type { OrderItem } from "@live-orders/core/protocol";

/** The shop's small menu. Prices in cents; the server recomputes the total from the items. */
export const menu: readonly Omit<OrderItem, "quantity">[] = [
  { sku: "espresso", name: "Espresso", unitPriceCents: 300 },
  { sku: "latte", name: "Latte", unitPriceCents: 450 },
  { sku: "croissant", name: "Croissant", unitPriceCents: 350 },
  { sku: "bagel", name: "Bagel with cream cheese", unitPriceCents: 400 },
  { sku: "salad", name: "Garden salad", unitPriceCents: 850 },
];
