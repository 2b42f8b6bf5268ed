/**
 * What a customer enters with an order besides its lines (SPEC §5, §7): the note, who it is for
 * and how it gets to them. One set of rules for the server (validation.ts refuses a body that
 * breaks one, with the same words) and the web order form (which shows them next to the field),
 * phrased so they read after the field's name: "Phone must have 6 to 20 digits".
 * Pure: no Node or DOM APIs.
 */
import { characterCount, normalizeText, textRefusal } from "./text";

export const orderDetailLimits = {
  nameMaxCharacters: 100,
  phoneMinDigits: 6,
  phoneMaxDigits: 20,
  addressMaxCharacters: 300,
  noteMaxCharacters: 500,
} as const;

/** Digits with the usual separators, an optional leading `+`. */
const phoneCharacters = /^\+?[0-9 ().-]+$/;

function tooLong(text: string, max: number): string | undefined {
  return characterCount(normalizeText(text)) > max ? `must have at most ${max} characters` : undefined;
}

export function nameProblem(name: string): string | undefined {
  return textRefusal(name) ?? tooLong(name, orderDetailLimits.nameMaxCharacters);
}

export function phoneProblem(phone: string): string | undefined {
  const refusal = textRefusal(phone);
  if (refusal !== undefined) return refusal;
  const digits = phone.replace(/\D/g, "").length;
  const { phoneMinDigits: min, phoneMaxDigits: max } = orderDetailLimits;
  if (!phoneCharacters.test(phone.trim()) || digits < min || digits > max) {
    return `must have ${min} to ${max} digits, written with digits, spaces and + ( ) - . only`;
  }
  return undefined;
}

export function addressProblem(address: string): string | undefined {
  return textRefusal(address) ?? tooLong(address, orderDetailLimits.addressMaxCharacters);
}

export function noteProblem(note: string): string | undefined {
  return textRefusal(note) ?? tooLong(note, orderDetailLimits.noteMaxCharacters);
}

/** How a person's entry is stored: NFC, without the spaces around it. */
export function cleanEntry(text: string): string {
  return normalizeText(text).trim();
}
