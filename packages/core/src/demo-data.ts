/**
 * Demo data for the local stack (SPEC §6): each demo customer gets orders in several statuses
 * with some chat, written through the same domain functions as real traffic (so every order has
 * a proper event history and seq). Idempotent: order ids are derived from the user id, an order
 * that already exists is left alone, chat sends use stable clientMessageIds.
 */
import { createHash } from "node:crypto";
import type { Identity } from "./authz";
import * as Chat from "./chat";
import { ConflictError } from "./errors";
import { menu } from "./menu";
import * as Order from "./order";
import { stepTowards } from "./order-status";
import { type Contact, type Fulfilment, type OrderLine, OrderStatus, type Role } from "./protocol";

export interface DemoUser {
  userId: string;
  email: string;
  role: Role;
}

interface DemoOrder {
  items: OrderLine[];
  note?: string;
  fulfilment: Fulfilment;
  status: OrderStatus;
  chat: { from: "customer" | "staff"; text: string }[];
}

const demoOrders: DemoOrder[] = [
  {
    items: [
      { sku: menu.margherita.sku, quantity: 1 },
      { sku: menu.lemonade.sku, quantity: 2 },
    ],
    note: "Ring twice, please",
    fulfilment: { type: "delivery", address: "12 Harbour Road, Flat 3" },
    status: OrderStatus.Placed,
    chat: [{ from: "customer", text: "Could you add some extra napkins?" }],
  },
  {
    items: [
      { sku: menu.pepperoni.sku, quantity: 2 },
      { sku: menu.salad.sku, quantity: 1 },
    ],
    fulfilment: { type: "pickup" },
    status: OrderStatus.Preparing,
    chat: [
      { from: "customer", text: "Is it possible to make one pizza extra crispy?" },
      { from: "staff", text: "Sure, noted for the kitchen." },
    ],
  },
  {
    items: [
      { sku: menu.salad.sku, quantity: 1 },
      { sku: menu.tiramisu.sku, quantity: 2 },
    ],
    fulfilment: { type: "delivery", address: "12 Harbour Road, Flat 3" },
    status: OrderStatus.OutForDelivery,
    chat: [{ from: "staff", text: "Your order is on its way, about 15 minutes." }],
  },
  {
    items: [{ sku: menu.margherita.sku, quantity: 3 }],
    fulfilment: { type: "pickup" },
    status: OrderStatus.Delivered,
    chat: [
      { from: "staff", text: "Delivered. Enjoy your meal!" },
      { from: "customer", text: "Thanks, it was great." },
    ],
  },
  {
    items: [{ sku: menu.lemonade.sku, quantity: 6 }],
    fulfilment: { type: "delivery", address: "12 Harbour Road, Flat 3" },
    status: OrderStatus.Cancelled,
    chat: [{ from: "customer", text: "Sorry, ordered by mistake." }],
  },
];

function demoOrderId(userId: string, index: number): string {
  return `demo-${createHash("sha256").update(`${userId}:${index}`).digest("hex").slice(0, 24)}`;
}

/** Who a demo customer's orders are for: a name made from the e-mail, a fictional phone number. */
function demoContact(user: DemoUser, index: number): Contact {
  const local = user.email.split("@")[0] ?? "customer";
  return {
    name: `${local.charAt(0).toUpperCase()}${local.slice(1)} Example`,
    phone: `+1 555 01${String(index).padStart(2, "0")}`,
  };
}

export async function seedDemoData(users: DemoUser[]): Promise<void> {
  const staffUser = users.find((user) => user.role === "staff");
  const staff: Identity = staffUser
    ? { userId: staffUser.userId, role: "staff", username: staffUser.email }
    : { userId: "demo-staff", role: "staff", username: "staff" };
  for (const [userIndex, user] of users.filter((u) => u.role === "customer").entries()) {
    const customer: Identity = { userId: user.userId, role: "customer", username: user.email };
    for (const [index, demo] of demoOrders.entries()) {
      const orderId = demoOrderId(user.userId, index);
      if ((await Order.readOrder(orderId)) === undefined) {
        try {
          await Order.create(
            customer,
            {
              items: demo.items,
              contact: demoContact(user, userIndex),
              fulfilment: demo.fulfilment,
              ...(demo.note ? { note: demo.note } : {}),
            },
            { id: orderId },
          );
        } catch (error) {
          if (!(error instanceof ConflictError)) throw error; // else a concurrent seed got there first
        }
      }
      // Resume where an interrupted seed stopped; a concurrent seed taking the same step first
      // (CONFLICT) just means re-reading.
      for (let step = 0; step < 20; step++) {
        const order = await Order.readOrder(orderId);
        if (order === undefined || order.status === demo.status) break;
        const next = stepTowards(order.status, demo.status);
        if (next === undefined) break;
        try {
          await Order.updateStatus(staff, orderId, { status: next, version: order.version });
        } catch (error) {
          if (!(error instanceof ConflictError)) throw error;
        }
      }
      for (const [n, message] of demo.chat.entries()) {
        await Chat.sendMessage(message.from === "staff" ? staff : customer, {
          orderId,
          text: message.text,
          clientMessageId: `demo-${index}-${n}`,
        });
      }
    }
  }
}
