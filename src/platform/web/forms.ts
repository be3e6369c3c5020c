/** Small helpers the page handlers share: form fields, errors linked to fields, safe redirects. */
import type { FastifyRequest } from "fastify";
import { AppError } from "../errors.js";

export type Form = Record<string, string | undefined>;

export function formOf(request: FastifyRequest): Form {
  const body = (request.body ?? {}) as Record<string, unknown>;
  const out: Form = {};
  for (const [k, v] of Object.entries(body)) if (typeof v === "string") out[k] = v;
  return out;
}

/** A route's `:name` parameter, as text. */
export function param(request: FastifyRequest, name: string): string {
  const v = (request.params as Record<string, unknown>)[name];
  return typeof v === "string" ? v : "";
}

/** A query string parameter, as text (the first, if it is repeated). */
export function queryParam(request: FastifyRequest, name: string): string | undefined {
  const v = (request.query as Record<string, unknown>)[name];
  if (Array.isArray(v)) return typeof v[0] === "string" ? v[0] : undefined;
  return typeof v === "string" ? v : undefined;
}

/** An error summary entry that links to the field it is about. */
export interface FieldError {
  text: string;
  href: string;
}

export const fieldError = (field: string, text: string): FieldError => ({
  text,
  href: `#${field}`,
});

/**
 * Runs a domain call; an AppError it throws becomes an error beside the field it names, or
 * beside `field` when it names none.
 */
export async function tryForm<T>(
  field: string,
  fn: () => Promise<T>,
): Promise<
  { ok: true; value: T } | { ok: false; error: FieldError; errors: FieldError[]; code: string }
> {
  try {
    return { ok: true, value: await fn() };
  } catch (e) {
    if (
      e instanceof AppError &&
      e.status < 500 &&
      e.code !== "forbidden" &&
      e.code !== "not-found"
    ) {
      const error = fieldError(e.field ?? field, e.message);
      // Every field the check found wrong, for the page's error summary and each field.
      const errors = [error, ...e.also.map((a) => fieldError(a.field, a.message))];
      return { ok: false, error, errors, code: e.code };
    }
    throw e;
  }
}

/** Only a path on this site: never another host. */
export function localPath(next: string | undefined, fallback = "/"): string {
  // Printable ASCII only: browsers drop tabs and line breaks from a URL, so "/\t/evil.example"
  // would become "//evil.example", another site; and a header cannot carry CR or LF.
  if (!next || !/^\/[\x21-\x7e]*$/.test(next)) return fallback;
  const resolved = new URL(next, "http://this.site");
  if (resolved.host !== "this.site" || next.startsWith("//") || next.includes("\\"))
    return fallback;
  return next;
}

/** Whole days from `from` to `to` (0 on the same day). */
export function daysBetween(from: string | Date, to: Date): number {
  const t = typeof from === "string" ? new Date(from) : from;
  return Math.max(0, Math.floor((to.getTime() - t.getTime()) / 86_400_000));
}

/**
 * A GOV.UK date input's three boxes (`name-day`, `name-month`, `name-year`) as YYYY-MM-DD, for
 * the domain to check; "" when all three are empty.
 */
export function dateFromBoxes(form: Record<string, string | undefined>, name: string): string {
  const [d, m, y] = ["day", "month", "year"].map((k) => form[`${name}-${k}`]?.trim() ?? "");
  if (!d && !m && !y) return "";
  return `${y}-${(m ?? "").padStart(2, "0")}-${(d ?? "").padStart(2, "0")}`;
}

/** The other way: a YYYY-MM-DD date as the three boxes show it (empty boxes for anything else). */
export function boxesOf(name: string, date: string | null | undefined): Record<string, string> {
  const [, year = "", month = "", day = ""] = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date ?? "") ?? [];
  return {
    [`${name}-day`]: day.replace(/^0/, ""),
    [`${name}-month`]: month.replace(/^0/, ""),
    [`${name}-year`]: year,
  };
}

/** A sign-in form as both apps' pages post it: its fields, where to go after, and what is missing. */
export function signInForm(request: FastifyRequest) {
  const form = formOf(request);
  const errors: FieldError[] = [];
  if (!form.username?.trim()) errors.push(fieldError("username", "Enter your username"));
  if (!form.password) errors.push(fieldError("password", "Enter your password"));
  return { form, next: localPath(form.next), errors };
}
