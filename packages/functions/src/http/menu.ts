/** `GET /menu` (SPEC §5): what can be ordered, at the prices the server charges. */
import { menuItems } from "@live-orders/core/menu";
import type { MenuResponse } from "@live-orders/core/protocol";
import { json, route } from "./respond";

const body: MenuResponse = {
  items: menuItems.map(({ sku, name, unitPriceCents }) => ({ sku, name, unitPriceCents })),
};

export const getMenu = route("GET /menu", async () => json(200, body));
