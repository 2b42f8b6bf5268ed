import { menuItems } from "@live-orders/core/menu";
import type { Order } from "@live-orders/core/protocol";
import { type FormEvent, useState } from "react";
import { describeError } from "../errors";
import { useRealtime } from "../hooks/use-realtime";
import { formatCents } from "../order-state";
import { useToast } from "./toasts";

export function PlaceOrder(props: { onPlaced: (order: Order) => void }) {
  const client = useRealtime();
  const toast = useToast();
  const [quantities, setQuantities] = useState<Record<string, number>>({});
  const [note, setNote] = useState("");
  const [busy, setBusy] = useState(false);

  const items = menuItems
    .filter((item) => (quantities[item.sku] ?? 0) > 0)
    .map((item) => ({ ...item, quantity: quantities[item.sku]! }));
  const total = items.reduce((sum, item) => sum + item.quantity * item.unitPriceCents, 0);

  function change(sku: string, delta: number) {
    setQuantities((current) => ({ ...current, [sku]: Math.max(0, Math.min(20, (current[sku] ?? 0) + delta)) }));
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (items.length === 0 || busy) return;
    setBusy(true);
    try {
      const order = await client.api.placeOrder({ items, ...(note.trim() ? { note: note.trim() } : {}) });
      setQuantities({});
      setNote("");
      props.onPlaced(order);
    } catch (error) {
      toast.error(`Could not place the order: ${describeError(error)}`);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="panel place-order" onSubmit={submit} aria-labelledby="place-order-title">
      <h2 id="place-order-title">Place an order</h2>
      <ul className="menu">
        {menuItems.map((item) => {
          const quantity = quantities[item.sku] ?? 0;
          return (
            <li key={item.sku} className="menu-item">
              <span className="menu-name">
                {item.name} <span className="muted">{formatCents(item.unitPriceCents)}</span>
              </span>
              <span className="stepper">
                <button
                  type="button"
                  aria-label={`One less ${item.name}`}
                  onClick={() => change(item.sku, -1)}
                  disabled={quantity === 0}
                >
                  −
                </button>
                <output aria-label={`${item.name} quantity`}>{quantity}</output>
                <button type="button" aria-label={`One more ${item.name}`} onClick={() => change(item.sku, 1)}>
                  +
                </button>
              </span>
            </li>
          );
        })}
      </ul>
      <label className="field">
        <span>Note for the kitchen (optional)</span>
        <input value={note} maxLength={500} onChange={(event) => setNote(event.target.value)} />
      </label>
      <div className="form-actions">
        <span className="total">Total {formatCents(total)}</span>
        <button type="submit" className="primary" disabled={items.length === 0 || busy}>
          {busy ? "Placing…" : "Place order"}
        </button>
      </div>
    </form>
  );
}
