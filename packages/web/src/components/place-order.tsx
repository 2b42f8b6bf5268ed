import { menuItems } from "@live-orders/core/menu";
import {
  addressProblem,
  cleanEntry,
  nameProblem,
  noteProblem,
  orderDetailLimits,
  phoneProblem,
} from "@live-orders/core/order-details";
import { type Fulfilment, type Order, orderLimits } from "@live-orders/core/protocol";
import { type FormEvent, useEffect, useId, useState } from "react";
import { describeError } from "../errors";
import { useRealtime } from "../hooks/use-realtime";
import { formatCents } from "../order-state";
import { useToast } from "./toasts";

interface Details {
  name: string;
  phone: string;
  fulfilment: Fulfilment["type"];
  address: string;
  note: string;
}

type Field = keyof Details;

const emptyDetails: Details = { name: "", phone: "", fulfilment: "pickup", address: "", note: "" };

/** Who and where from the customer's last order, so a returning customer only picks the food. */
function detailsFrom(order: Order | undefined): Details {
  if (order?.contact === undefined) return emptyDetails;
  return {
    name: order.contact.name,
    phone: order.contact.phone,
    fulfilment: order.fulfilment.type,
    address: order.fulfilment.type === "delivery" ? order.fulfilment.address : "",
    note: "",
  };
}

/** What is wrong with each field, in words for the person filling it in (the server's rules, order-details.ts). */
function problemsOf(details: Details): Partial<Record<Field, string>> {
  const problems: Partial<Record<Field, string>> = {};
  const check = (field: Field, label: string, whenEmpty: string, rule: (text: string) => string | undefined) => {
    const value = details[field];
    if (value.trim() === "") problems[field] = whenEmpty;
    else {
      const problem = rule(value);
      if (problem !== undefined) problems[field] = `${label} ${problem}.`;
    }
  };
  check("name", "Your name", "Enter your name.", nameProblem);
  check("phone", "The phone number", "Enter a phone number, so the shop can reach you.", phoneProblem);
  if (details.fulfilment === "delivery") check("address", "The address", "Enter the delivery address.", addressProblem);
  if (details.note.trim() !== "") {
    const problem = noteProblem(details.note);
    if (problem !== undefined) problems.note = `The note ${problem}.`;
  }
  return problems;
}

export function PlaceOrder(props: { onPlaced: (order: Order) => void; lastOrder?: Order }) {
  const client = useRealtime();
  const toast = useToast();
  const ids = useId();
  const [quantities, setQuantities] = useState<Record<string, number>>({});
  const [details, setDetails] = useState<Details>(() => detailsFrom(props.lastOrder));
  const [edited, setEdited] = useState(false);
  const [shown, setShown] = useState<ReadonlySet<Field>>(new Set());
  const [refusal, setRefusal] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);

  // The orders list may arrive after the form: prefill then, unless the customer has started typing.
  const lastOrderId = props.lastOrder?.id;
  // biome-ignore lint/correctness/useExhaustiveDependencies: keyed by the last order's id on purpose
  useEffect(() => {
    if (!edited && props.lastOrder !== undefined) setDetails(detailsFrom(props.lastOrder));
  }, [lastOrderId]);

  const items = menuItems
    .filter((item) => (quantities[item.sku] ?? 0) > 0)
    .map((item) => ({ ...item, quantity: quantities[item.sku]! }));
  const total = items.reduce((sum, item) => sum + item.quantity * item.unitPriceCents, 0);
  const problems = problemsOf(details);

  function change(sku: string, delta: number) {
    setQuantities((current) => ({
      ...current,
      [sku]: Math.max(0, Math.min(orderLimits.maxQuantity, (current[sku] ?? 0) + delta)),
    }));
  }

  function edit(field: Field, value: string) {
    setEdited(true);
    setRefusal(undefined);
    setDetails((current) => ({ ...current, [field]: value }));
  }

  const show = (field: Field) => setShown((current) => new Set(current).add(field));

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (items.length === 0 || busy) return;
    if (Object.keys(problems).length > 0) {
      setShown(new Set(Object.keys(problems) as Field[]));
      return;
    }
    setBusy(true);
    setRefusal(undefined);
    try {
      const note = cleanEntry(details.note);
      const order = await client.api.placeOrder({
        items: items.map(({ sku, quantity }) => ({ sku, quantity })),
        contact: { name: cleanEntry(details.name), phone: cleanEntry(details.phone) },
        fulfilment:
          details.fulfilment === "delivery"
            ? { type: "delivery", address: cleanEntry(details.address) }
            : { type: "pickup" },
        ...(note ? { note } : {}),
      });
      setQuantities({});
      setDetails((current) => ({ ...current, note: "" }));
      setShown(new Set());
      props.onPlaced(order);
    } catch (error) {
      // A refusal of this form's content (400) stays next to it; anything else is a notice.
      const status = (error as { status?: number }).status;
      if (status === 400) setRefusal(describeError(error));
      else toast.error(`Could not place the order: ${describeError(error)}`);
    } finally {
      setBusy(false);
    }
  }

  const problemOf = (field: Field) => (shown.has(field) ? problems[field] : undefined);
  const fieldProps = (field: Field) => {
    const problem = problemOf(field);
    return {
      id: `${ids}-${field}`,
      value: details[field],
      onChange: (event: { target: { value: string } }) => edit(field, event.target.value),
      onBlur: () => show(field),
      "aria-invalid": problem !== undefined,
      ...(problem === undefined ? {} : { "aria-describedby": `${ids}-${field}-problem` }),
    };
  };
  const problemText = (field: Field) => {
    const problem = problemOf(field);
    return problem === undefined ? null : (
      <span id={`${ids}-${field}-problem`} className="field-problem">
        {problem}
      </span>
    );
  };

  return (
    <form className="panel place-order" onSubmit={submit} noValidate aria-labelledby="place-order-title">
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
                <button
                  type="button"
                  aria-label={`One more ${item.name}`}
                  onClick={() => change(item.sku, 1)}
                  disabled={quantity >= orderLimits.maxQuantity}
                >
                  +
                </button>
              </span>
            </li>
          );
        })}
      </ul>
      <fieldset className="order-details">
        <legend>Who it is for</legend>
        <div className="field">
          <label htmlFor={`${ids}-name`}>Name</label>
          <input {...fieldProps("name")} autoComplete="name" maxLength={orderDetailLimits.nameMaxCharacters} />
          {problemText("name")}
        </div>
        <div className="field">
          <label htmlFor={`${ids}-phone`}>Phone</label>
          <input {...fieldProps("phone")} type="tel" autoComplete="tel" inputMode="tel" maxLength={40} />
          {problemText("phone")}
        </div>
      </fieldset>
      <fieldset className="order-details">
        <legend>How you get it</legend>
        <div className="choice">
          {(["pickup", "delivery"] as const).map((type) => (
            <label key={type}>
              <input
                type="radio"
                name={`${ids}-fulfilment`}
                value={type}
                checked={details.fulfilment === type}
                onChange={() => edit("fulfilment", type)}
              />{" "}
              {type === "pickup" ? "Pick up at the shop" : "Deliver to my address"}
            </label>
          ))}
        </div>
        {details.fulfilment === "delivery" ? (
          <div className="field">
            <label htmlFor={`${ids}-address`}>Delivery address</label>
            <textarea
              {...fieldProps("address")}
              rows={2}
              autoComplete="street-address"
              maxLength={orderDetailLimits.addressMaxCharacters}
            />
            {problemText("address")}
          </div>
        ) : null}
      </fieldset>
      <div className="field">
        <label htmlFor={`${ids}-note`}>Note for the kitchen (optional)</label>
        <input {...fieldProps("note")} maxLength={orderDetailLimits.noteMaxCharacters} />
        {problemText("note")}
      </div>
      {refusal ? (
        <p className="form-problem" role="alert">
          {refusal}
        </p>
      ) : null}
      <div className="form-actions">
        <span className="total">Total {formatCents(total)}</span>
        <button type="submit" className="primary" disabled={items.length === 0 || busy}>
          {busy ? "Placing…" : "Place order"}
        </button>
      </div>
    </form>
  );
}
