/**
 * A modal question with two answers, on the native `<dialog>` (focus kept inside, Escape closes,
 * the rest of the page inert), not `window.confirm`, which blocks the page and cannot be styled.
 */
import { useEffect, useRef } from "react";

export function ConfirmDialog(props: {
  open: boolean;
  title: string;
  body: string;
  confirm: string;
  dismiss: string;
  danger?: boolean;
  onConfirm: () => void;
  onDismiss: () => void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (props.open && !element.open) element.showModal();
    if (!props.open && element.open) element.close();
  }, [props.open]);
  return (
    <dialog
      ref={dialog}
      className="confirm-dialog"
      aria-labelledby="confirm-dialog-title"
      aria-describedby="confirm-dialog-body"
      onClose={props.onDismiss}
    >
      <h2 id="confirm-dialog-title">{props.title}</h2>
      <p id="confirm-dialog-body">{props.body}</p>
      <div className="confirm-dialog-actions">
        {/* The safe answer first: showModal focuses it, so Enter does not cancel an order by accident. */}
        <button type="button" onClick={props.onDismiss}>
          {props.dismiss}
        </button>
        <button type="button" className={props.danger ? "danger-solid" : "primary"} onClick={props.onConfirm}>
          {props.confirm}
        </button>
      </div>
    </dialog>
  );
}
