/**
 * Text a person typed (chat messages, order notes, contact details): what is stored and shown is
 * the NFC form, and text that cannot be shown honestly is refused rather than repaired:
 *  - lone surrogates (half of a character: JSON lets a client send `"\ud800"`, and it renders as
 *    a replacement box or breaks a consumer that expects well-formed UTF-16);
 *  - control characters (NUL and the other C0/C1 controls; tab and line breaks are text);
 *  - bidirectional overrides and isolates (U+202A–U+202E, U+2066–U+2069): they make text display
 *    in another order than it was written ("Trojan Source"), e.g. a staff member would read a
 *    different phone number than the one stored. Refused, not stripped: a silent edit of what
 *    a person wrote is worse than asking them to send it again, and right-to-left scripts need
 *    none of them (their direction is implicit);
 *  - text with nothing visible in it: only white space and default-ignorable characters
 *    (zero-width spaces and joiners, word joiners, the BOM, Hangul fillers…).
 * Pure (no Node or DOM APIs): the server validates with it and the web form checks the same way.
 */

// With the `u` flag a surrogate pair is one code point, so `\p{Cs}` matches only a lone half.
const loneSurrogate = /\p{Cs}/u;
/** Every control character (`\p{Cc}`: C0, DEL, C1) but tab and the line breaks. */
const controlCharacters = /[^\P{Cc}\t\n\r]/u;
const bidiControls = /[\u202a-\u202e\u2066-\u2069]/u;
const invisible = /^[\p{White_Space}\p{Default_Ignorable_Code_Point}]*$/u;

/** Why a text is refused, as a person can read it; undefined when it is fine. */
export function textRefusal(text: string): string | undefined {
  if (loneSurrogate.test(text)) return "must not contain broken characters (lone surrogates)";
  if (text.includes("\u0000")) return "must not contain NUL characters";
  if (controlCharacters.test(text)) return "must not contain control characters";
  if (bidiControls.test(text)) return "must not contain bidirectional override or isolate characters";
  if (invisible.test(text)) return "must not be empty or only spaces and invisible characters";
  return undefined;
}

/** The form text is stored and compared in: NFC, so "é" typed two ways is one string. */
export function normalizeText(text: string): string {
  return text.normalize("NFC");
}

/** Code points, so an emoji counts as one character, as a person would count it. */
export function characterCount(text: string): number {
  let count = 0;
  for (const _ of text) count += 1;
  return count;
}
