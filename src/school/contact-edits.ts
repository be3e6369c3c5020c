/**
 * Editing a pupil's contacts by hand after an import (the helpsheet: "editing will be
 * required"): add, change or remove one. Each change is audited with the area it touched, never
 * the values; a later import keeps what the register holds (merge.ts keeps register values).
 */
import { CODE_SETS } from "../ctf/code-sets.js";
import type { Contact, Phone } from "../ctf/model.js";
import { invalidAll, notFound } from "../platform/errors.js";
import type { MisContext, MisPrincipal } from "./context.js";
import { changeRecord, trimmed } from "./record-edits.js";

export interface ContactInput {
  title?: string;
  forename?: string;
  surname?: string;
  relationship?: string;
  /** "true": has parental responsibility; "false": has not (as the CTF writes it). */
  responsibility?: string;
  phones?: { type?: string; number?: string }[];
  email?: string;
}

const PHONE = /^\+?[0-9 ()-]{6,20}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** The contact as the CTF holds it, or every problem found with what was typed. */
function contactOf(input: ContactInput, order: number, before?: Contact): Contact {
  const problems: { field: string; message: string }[] = [];
  const forename = trimmed(input.forename);
  const surname = trimmed(input.surname);
  if (!forename && !surname)
    problems.push({ field: "surname", message: "Give the contact's surname or forename." });
  const relationship = trimmed(input.relationship);
  if (relationship && !(relationship in CODE_SETS.relationship.codes))
    problems.push({ field: "relationship", message: "Choose how the contact is related." });
  const responsibility = trimmed(input.responsibility);
  if (responsibility && responsibility !== "true" && responsibility !== "false")
    problems.push({
      field: "responsibility",
      message: "Say yes or no to parental responsibility.",
    });
  const phones: Phone[] = [];
  (input.phones ?? []).forEach((ph, i) => {
    const number = trimmed(ph.number);
    if (!number) return;
    if (!PHONE.test(number))
      problems.push({
        field: `phone-${i + 1}`,
        message: `Phone ${i + 1}: give the number in digits, such as 01632 960123.`,
      });
    const type = trimmed(ph.type);
    if (type && !(type in CODE_SETS.telephoneType.codes))
      problems.push({ field: `phoneType-${i + 1}`, message: `Phone ${i + 1}: choose its type.` });
    phones.push({ ...(type ? { type } : {}), number });
  });
  const email = trimmed(input.email);
  if (email && !EMAIL.test(email))
    problems.push({ field: "email", message: "Give the e-mail as name@example.org." });
  if (problems.length > 0) throw invalidAll(problems);
  // What the form does not show (an address, supplementary information) stays as it was.
  const kept: Contact = { ...(before ?? {}) };
  for (const k of [
    "title",
    "forename",
    "surname",
    "relationship",
    "responsibility",
    "email",
  ] as const)
    delete kept[k];
  delete kept.phones;
  return {
    ...kept,
    order: before?.order ?? String(order),
    ...(trimmed(input.title) ? { title: trimmed(input.title) } : {}),
    ...(surname ? { surname } : {}),
    ...(forename ? { forename } : {}),
    ...(relationship ? { relationship } : {}),
    ...(responsibility ? { responsibility } : {}),
    ...(phones.length > 0 ? { phones } : {}),
    ...(email ? { email } : {}),
  };
}

/**
 * Adds a contact (`index` null) or replaces the contact at `index` (counting from 0, in the
 * record's order), in one transaction with its audit entry.
 */
export async function saveContact(
  ctx: MisContext,
  actor: MisPrincipal,
  pupilId: string,
  index: number | null,
  input: ContactInput,
): Promise<void> {
  await changeContacts(ctx, actor, pupilId, (contacts) => {
    if (index === null) return [...contacts, contactOf(input, contacts.length + 1)];
    const before = contacts[index];
    if (!before) throw notFound();
    return contacts.map((c, i) => (i === index ? contactOf(input, index + 1, before) : c));
  });
}

export async function removeContact(
  ctx: MisContext,
  actor: MisPrincipal,
  pupilId: string,
  index: number,
): Promise<void> {
  await changeContacts(ctx, actor, pupilId, (contacts) => {
    if (!contacts[index]) throw notFound();
    return contacts.filter((_, i) => i !== index);
  });
}

function changeContacts(
  ctx: MisContext,
  actor: MisPrincipal,
  pupilId: string,
  change: (contacts: Contact[]) => Contact[],
): Promise<void> {
  return changeRecord(ctx, actor, pupilId, "contacts", (before) => {
    const contacts = change(before.contacts ?? []);
    const record = { ...before };
    if (contacts.length > 0) record.contacts = contacts;
    else delete record.contacts;
    return record;
  });
}
