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
import { type OrderItem, OrderStatus, type Role } from "./protocol";

export interface DemoUser {
  userId: string;
  email: string;
  role: Role;
}

interface DemoOrder {
  items: OrderItem[];
  note?: string;
  status: OrderStatus;
  chat: { from: "customer" | "staff"; text: string }[];
}

const demoOrders: DemoOrder[] = [
  {
    items: [
      { ...menu.margherita, quantity: 1 },
      { ...menu.lemonade, quantity: 2 },
    ],
    note: "Ring twice, please",
    status: OrderStatus.Placed,
    chat: [{ from: "customer", text: "Could you add some extra napkins?" }],
  },
  {
    items: [
      { ...menu.pepperoni, quantity: 2 },
      { ...menu.salad, quantity: 1 },
    ],
    status: OrderStatus.Preparing,
    chat: [
      { from: "customer", text: "Is it possible to make one pizza extra crispy?" },
      { from: "staff", text: "Sure, noted for the kitchen." },
    ],
  },
  {
    items: [
      { ...menu.salad, quantity: 1 },
      { ...menu.tiramisu, quantity: 2 },
    ],
    status: OrderStatus.OutForDelivery,
    chat: [{ from: "staff", text: "Your order is on its way, about 15 minutes." }],
  },
  {
    items: [{ ...menu.margherita, quantity: 3 }],
    status: OrderStatus.Delivered,
    chat: [
      { from: "staff", text: "Delivered. Enjoy your meal!" },
      { from: "customer", text: "Thanks, it was great." },
    ],
  },
  {
    items: [{ ...menu.lemonade, quantity: 6 }],
    status: OrderStatus.Cancelled,
    chat: [{ from: "customer", text: "Sorry, ordered by mistake." }],
  },
];

function demoOrderId(userId: string, index: number): string {
  return `demo-${createHash("sha256").update(`${userId}:${index}`).digest("hex").slice(0, 24)}`;
}

export async function seedDemoData(users: DemoUser[]): Promise<void> {
  const staffUser = users.find((user) => user.role === "staff");
  const staff: Identity = staffUser
    ? { userId: staffUser.userId, role: "staff", username: staffUser.email }
    : { userId: "demo-staff", role: "staff", username: "staff" };
  for (const user of users.filter((u) => u.role === "customer")) {
    const customer: Identity = { userId: user.userId, role: "customer", username: user.email };
    for (const [index, demo] of demoOrders.entries()) {
      const orderId = demoOrderId(user.userId, index);
      if ((await Order.readOrder(orderId)) === undefined) {
        try {
          await Order.create(
            customer,
            { items: demo.items, ...(demo.note ? { note: demo.note } : {}) },
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
