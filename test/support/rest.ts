/** REST calls to the stack's HTTP API with a real token, and a retry helper for chaos windows. */
import type { Order, OrderEvent } from "@live-orders/core/protocol";
import type { AppStack } from "./app-stack";

export class HttpError extends Error {
  override name = "HttpError";
  constructor(
    readonly status: number,
    readonly body: string,
    what: string,
  ) {
    super(`${what}: ${status} ${body.slice(0, 300)}`);
  }
}

export const sampleOrder = {
  items: [
    { sku: "PIZZA-MARG", name: "Pizza Margherita", quantity: 1, unitPriceCents: 1150 },
    { sku: "DRINK-LEMO", name: "Lemonade", quantity: 2, unitPriceCents: 350 },
  ],
};

export function restClient(stack: Pick<AppStack, "api">, token: () => Promise<string>) {
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${stack.api}${path}`, {
      method,
      headers: { authorization: `Bearer ${await token()}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok) throw new HttpError(response.status, text, `${method} ${path}`);
    return (text.length > 0 ? JSON.parse(text) : undefined) as T;
  };
  return {
    call,
    createOrder: () => call<Order>("POST", "/orders", sampleOrder),
    getOrder: (id: string) => call<{ order: Order; events: OrderEvent[] }>("GET", `/orders/${id}`),
    setStatus: (id: string, status: string, version: number) => call<Order>("PATCH", `/orders/${id}/status`, { status, version }),
  };
}

/**
 * Retry what fails because the stack is briefly away (a gateway restart: connection refused,
 * reset) — not what the server refused on purpose (a 4xx other than 429).
 */
export async function withRetry<T>(work: () => Promise<T>, attempts = 160, delayMs = 250): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      const status = (error as HttpError).status;
      const refusedOnPurpose = status !== undefined && status >= 400 && status < 500 && status !== 429;
      if (refusedOnPurpose || attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}
