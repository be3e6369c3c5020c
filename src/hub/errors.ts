/**
 * The one catalogue of errors the hub can answer with. Each has a stable code, an HTTP status and
 * a message safe to show anyone: never personal data, never internals.
 */
export const ERRORS = {
  "auth.required": [401, "Sign in first."],
  "auth.failed": [401, "The username or password is wrong."],
  "auth.code": [401, "The security code is wrong or has expired."],
  "auth.locked": [423, "This account is locked after too many failed sign-ins. Try again later."],
  "auth.disabled": [403, "This account is disabled. Ask your service administrator."],
  forbidden: [403, "You do not have permission to do that."],
  "not-found": [404, "Not found."],
  invalid: [400, "The request is not valid."],
  "upload.name": [400, "The file name is not a CTF file name."],
  "upload.empty": [400, "The file is empty."],
  "upload.too-large": [413, "The file is too large."],
  "transfer.state": [409, "The file is not in a state that allows that."],
  conflict: [409, "That already exists."],
  "form.expired": [
    403,
    "This form has expired or did not come from this service. Go back, reload the page and try again.",
  ],
  "rate-limited": [429, "Too many requests. Wait a minute and try again."],
  internal: [500, "Something went wrong on our side. It has been logged."],
} as const satisfies Record<string, readonly [number, string]>;

export type ErrorCode = keyof typeof ERRORS;

export class HubError extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    /** Overrides the catalogue's message; must be just as safe to show. */
    message?: string,
  ) {
    super(message ?? ERRORS[code][1]);
    this.name = "HubError";
    this.status = ERRORS[code][0];
  }
}

export const notFound = () => new HubError("not-found");
export const forbidden = (message?: string) => new HubError("forbidden", message);
export const invalid = (message: string) => new HubError("invalid", message);
