// Temporary evidence script (not committed): a subscriber and a status change every second.
import { readFileSync } from "node:fs";
import WebSocket from "ws";
import { menu } from "@live-orders/core/menu";
import { signIn } from "@live-orders/local/stack/sign-in";
import { createOrdersApi } from "@live-orders/web/realtime/orders-api";

const outputs = JSON.parse(readFileSync(process.argv[2] as string, "utf8"));
const token = (email: string) => signIn(outputs.cognitoEndpoint, outputs.userPoolClientId, email);
const seconds = Number(process.argv[3] ?? 90);
const started = Date.now();
let changes = 0, received = 0, errors = 0;
const [alice, staff] = [await token("alice@example.com"), await token("staff@example.com")];
const aliceApi = createOrdersApi({ apiUrl: outputs.api, getToken: async () => alice });
const staffApi = createOrdersApi({ apiUrl: outputs.api, getToken: async () => staff });
const ws = new WebSocket(`${outputs.ws}?token=${encodeURIComponent(staff)}`);
await new Promise((r) => ws.once("open", r));
ws.on("message", (d) => { if (String(d).includes('"type":"event"')) received++; });
ws.send(JSON.stringify({ action: "subscribe", topic: "orders" }));
while (Date.now() - started < seconds * 1000) {
  try {
    const order = await aliceApi.placeOrder({ items: [{ ...menu.lemonade, quantity: 1 }] });
    await staffApi.setStatus(order.id, "confirmed", order.version);
    changes += 2;
  } catch (error) {
    errors++;
    console.log(`[traffic] ${new Date().toISOString().slice(11, 19)} request failed: ${(error as Error).message}`);
  }
  await new Promise((r) => setTimeout(r, 500));
}
console.log(`[traffic] done: ${changes} events written, ${received} received on the staff feed, ${errors} failed requests`);
ws.close();
process.exit(0);
