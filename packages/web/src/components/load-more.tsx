/** The next page of a list on demand (SPEC §7 hook `load-more`), or why it did not load. */
import type { MorePages } from "../hooks/use-more-pages";
import { LoadError } from "./load-error";

export function LoadMore(props: { more: MorePages; what: string }) {
  const { more } = props;
  if (more.error) return <LoadError what={props.what} error={more.error} onRetry={more.load} compact />;
  if (!more.available) return null;
  return (
    <button
      type="button"
      className="load-more"
      data-testid="load-more"
      aria-disabled={more.loading}
      onClick={more.load}
    >
      {more.loading ? `Loading ${props.what}…` : `Show ${props.what}`}
    </button>
  );
}
