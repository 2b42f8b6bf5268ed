import { menu } from "@live-orders/core/menu";

/** An order of two menu lines, what tests place when the content does not matter. */
export const sampleOrder = {
  items: [
    { ...menu.margherita, quantity: 1 },
    { ...menu.lemonade, quantity: 2 },
  ],
};
