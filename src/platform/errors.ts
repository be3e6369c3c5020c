/**
 * The one catalogue of errors every app of S2S can answer with. Each has a stable code, an HTTP
 * status and a message safe to show anyone: never personal data, never internals. An error may
 * name the form field it is about, so that pages put the message beside that field.
 */
export const ERRORS = {
  "auth.required": [401, "Sign in first."],
  "auth.failed": [401, "The username or password is wrong."],
  "auth.code": [401, "The security code is wrong or has expired."],
  "auth.code-required": [
    401,
    "Enter the 6-digit security code from your authenticator app (`code`), or a recovery code.",
  ],
  "auth.enrolment-required": [
    401,
    "This account must set up a second factor first: sign in once on the website to do it.",
  ],
  "auth.password-change-required": [
    403,
    "Sign in on the website once and choose your own password: the one you were given is for the first sign-in only.",
  ],
  "auth.locked": [423, "This account is locked after too many failed sign-ins. Try again later."],
  "auth.disabled": [403, "This account is disabled. Ask your service administrator."],
  forbidden: [403, "You do not have permission to do that."],
  "not-found": [404, "Not found."],
  invalid: [400, "The request is not valid."],
  "upload.name": [400, "The file name is not a CTF file name."],
  "upload.empty": [400, "The file is empty."],
  "upload.too-large": [413, "The file is too large."],
  "upload.duplicate": [409, "This file has been sent already."],
  "transfer.state": [409, "The file is not in a state that allows that."],
  conflict: [409, "That already exists."],
  "hub.unreachable": [502, "The hub cannot be reached just now. Try again in a few minutes."],
  "hub.refused": [409, "The hub refused that."],
  "import.duplicate": [409, "This file has been imported already."],
  "import.state": [409, "The import is not in a state that allows that."],
  "idempotency.in-progress": [
    409,
    "A request with this Idempotency-Key is still being answered. Wait, then send it again.",
  ],
  "idempotency.mismatch": [
    422,
    "This Idempotency-Key was used for a different request. Use a new key for a new request.",
  ],
  "form.expired": [
    403,
    "This form has expired or did not come from this service. Go back, reload the page and try again.",
  ],
  "rate-limited": [429, "Too many requests. Wait a minute and try again."],
  "storage.full": [
    507,
    "S2S has no room to store files just now. Nothing was kept: try again later. The service's operators have been told.",
  ],
  internal: [500, "Something went wrong on our side. It has been logged."],
} as const satisfies Record<string, readonly [number, string]>;

export type ErrorCode = keyof typeof ERRORS;

export interface ErrorOptions {
  /** The form field (or API body property) the error is about. */
  field?: string;
  /** Safe facts a program may act on, such as the id of the file an upload duplicates. */
  detail?: Record<string, string>;
  /** Other fields found wrong in the same check: a form shows every error at once. */
  also?: readonly { field: string; message: string }[];
}

export class AppError extends Error {
  readonly status: number;
  readonly field: string | undefined;
  readonly detail: Record<string, string> | undefined;
  readonly also: readonly { field: string; message: string }[];

  constructor(
    readonly code: ErrorCode,
    /** Overrides the catalogue's message; must be just as safe to show. */
    message?: string,
    options: ErrorOptions = {},
  ) {
    super(message ?? ERRORS[code][1]);
    this.name = "AppError";
    this.status = ERRORS[code][0];
    this.field = options.field;
    this.detail = options.detail;
    this.also = options.also ?? [];
  }
}

/**
 * Every problem a check found, as one error: the first is the error (its field and message,
 * as an API answers), the rest go with it for a form to show beside their fields.
 */
export function invalidAll(problems: readonly { field: string; message: string }[]): AppError {
  const [first, ...rest] = problems;
  return new AppError("invalid", first?.message, {
    ...(first ? { field: first.field } : {}),
    also: rest,
  });
}

/**
 * Runs every check of a form, and throws every problem they found at once (an office corrects
 * a form in one go, not one field a try). A check refuses with `invalid(message, field)`;
 * anything else it throws goes straight through.
 */
export async function checkAll(...checks: (() => unknown)[]): Promise<void> {
  const problems: { field: string; message: string }[] = [];
  for (const check of checks) {
    try {
      await check();
    } catch (e) {
      if (!(e instanceof AppError) || e.code !== "invalid" || !e.field) throw e;
      problems.push({ field: e.field, message: e.message }, ...e.also);
    }
  }
  if (problems.length > 0) throw invalidAll(problems);
}

export const notFound = () => new AppError("not-found");
export const forbidden = (message?: string) => new AppError("forbidden", message);
export const invalid = (message: string, field?: string) =>
  new AppError("invalid", message, field === undefined ? {} : { field });

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * An id from outside (a URL, a form) that is not one of ours names nothing: not found, before it
 * can reach the database and fail there as a type error.
 */
export function requireId(id: string): string {
  if (!isId(id)) throw notFound();
  return id;
}

export const isId = (id: string): boolean => UUID.test(id);

/**
 * An error as a log may keep it: its name, its code (a system's or the database's) and where it
 * was thrown, never its message. A message can quote what it failed on (a date of birth, a name,
 * an address from a file or a form), and a stack begins with the message, so only its frames
 * are kept.
 */
export function loggableError(err: unknown): { name: string; code?: string; at?: string[] } {
  if (!(err instanceof Error)) return { name: typeof err };
  const code = (err as { code?: unknown }).code;
  const at = (err.stack ?? "")
    .split("\n")
    .filter((line) => /^\s+at /.test(line))
    .map((line) => line.trim());
  return {
    name: err.name,
    ...(typeof code === "string" || typeof code === "number" ? { code: String(code) } : {}),
    ...(at.length > 0 ? { at } : {}),
  };
}
