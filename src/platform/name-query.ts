/**
 * The start of a pupil's name as a person types it into a search box: letters of a name, 1 to
 * 50 of them, compared in lower case. Both apps search their own lists by it, and neither keeps
 * the words (an audit entry says a list was searched by name, never the name).
 */
import { invalid } from "./errors.js";

/** The name typed, checked; undefined when nothing was typed. */
export function nameQuery(q: string | undefined): string | undefined {
  const t = q?.trim();
  if (!t) return undefined;
  if (t.length > 50 || !/^[\p{L}\p{M}' -]+$/u.test(t))
    throw invalid("Search by the start of a pupil's surname or forename: letters only.", "q");
  return t.toLowerCase();
}

/** The name typed into a search box that needs one: nothing typed is an error at its field. */
export function requiredNameQuery(q: string | undefined): string {
  const name = nameQuery(q);
  if (name === undefined) throw invalid("Enter the start of a pupil's surname or forename.", "q");
  return name;
}

/** A name's start as a LIKE pattern: the typed text taken literally, then anything. */
export function namePrefixPattern(q: string): string {
  return `${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
