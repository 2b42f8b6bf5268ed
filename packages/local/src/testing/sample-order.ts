import { menu } from "@live-orders/core/menu";
import type { PlaceOrderBody } from "@live-orders/core/protocol";

/** A `POST /orders` body of two menu lines, what tests place when the content does not matter. */
export const sampleOrder: PlaceOrderBody = {
  items: [
    { sku: menu.margherita.sku, quantity: 1 },
    { sku: menu.lemonade.sku, quantity: 2 },
  ],
  contact: { name: "Sam Sample", phone: "+1 555 0199" },
  fulfilment: { type: "delivery", address: "1 Sample Street" },
};
