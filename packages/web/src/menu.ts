import type { OrderItem } from "@live-orders/core/protocol";

/** The shop's small menu. Prices in cents; the server recomputes the total from the items. */
export const menu: readonly Omit<OrderItem, "quantity">[] = [
  { sku: "PIZZA-MARG", name: "Pizza Margherita", unitPriceCents: 1150 },
  { sku: "PIZZA-PEPP", name: "Pizza Pepperoni", unitPriceCents: 1350 },
  { sku: "SALAD-CAES", name: "Caesar salad", unitPriceCents: 890 },
  { sku: "DRINK-LEMO", name: "Lemonade", unitPriceCents: 350 },
  { sku: "DESS-TIRA", name: "Tiramisu", unitPriceCents: 650 },
];
