/**
 * A typed client for the hub's API, for the school side, the folder agent, and MIS suppliers
 * who call the hub from their own code. Its types are the hub's own route schemas (`Static` of
 * the same TypeBox objects the hub validates and documents with), so a change to a route's
 * answer breaks the client's build, and test/client/hub-client.test.ts checks every path and
 * method it calls against the hub's OpenAPI document.
 *
 * Errors: the hub's answer with its stable code as `HubError`; no answer at all (refused,
 * timed out, not an address) as `HubUnreachableError`, which a caller may retry later.
 */
import type { Static } from "typebox";
import type { Establishment, Me, Transfer } from "../contract/hub-api.js";

export type HubTransfer = Static<typeof Transfer>;
export type HubEstablishment = Static<typeof Establishment>;
export type HubMe = Static<typeof Me>;

export class HubError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    /** Safe facts the hub gave with the refusal (a duplicate's transfer id, say). */
    readonly detail?: Record<string, string>,
  ) {
    super(message);
    this.name = "HubError";
  }
}

/** A size in megabytes, to two places, as the client's and its callers' messages say it. */
export const megabytes = (bytes: number) => `${Math.round((bytes / 1024 / 1024) * 100) / 100} MB`;

/**
 * A body's chunks as they arrive, but no more than `maxBytes` of them: past that,
 * `file.too-large` (and the download is cancelled, as leaving the loop does).
 */
async function* cappedChunks(
  r: Response,
  maxBytes = Number.POSITIVE_INFINITY,
): AsyncGenerator<Uint8Array> {
  const tooLarge = () =>
    new HubError(
      413,
      "file.too-large",
      `the file is larger than ${megabytes(maxBytes)}, the most taken here`,
    );
  if (Number(r.headers.get("content-length") ?? 0) > maxBytes) {
    await r.body?.cancel();
    throw tooLarge();
  }
  let total = 0;
  for await (const chunk of r.body ?? []) {
    total += chunk.byteLength;
    if (total > maxBytes) throw tooLarge();
    yield chunk;
  }
}

/** A body read whole, but no more than `maxBytes` of it: past that, `file.too-large`. */
async function readCapped(r: Response, maxBytes?: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of cappedChunks(r, maxBytes)) chunks.push(chunk);
  return Buffer.concat(chunks);
}

export class HubUnreachableError extends Error {
  constructor(
    readonly url: string,
    why: string,
  ) {
    super(`the hub at ${url} cannot be reached: ${why}`);
    this.name = "HubUnreachableError";
  }
}

/**
 * Whether a failed call is worth making again later, unchanged: no answer, the hub's own failure
 * or overload, the same request still being answered, an account locked for a while, or a user
 * who must first choose a password (a person fixes that, then the same call works). Everything
 * else is the hub's considered refusal of this request, and repeating it changes nothing.
 */
export function isRetryable(e: unknown): boolean {
  if (e instanceof HubUnreachableError) return true;
  if (!(e instanceof HubError)) return false;
  return (
    e.status >= 500 ||
    e.status === 429 ||
    e.code === "idempotency.in-progress" ||
    e.code === "auth.locked" ||
    e.code === "auth.password-change-required"
  );
}

export interface HubClientOptions {
  /** The hub's address, e.g. https://s2s.example.gov.uk */
  url: string;
  /** An API token made by a user on the hub. */
  token: string;
  /** Milliseconds before a request counts as unanswered; 30 s by default. */
  timeoutMs?: number;
  /**
   * How often a request the hub answers 429 or 503 ("try again later") is made again, after the
   * wait its Retry-After asks or, without one, 0.5, 1, 2 s...; 3 by default, 0 for none.
   */
  retries?: number;
  /** The longest wait for one retry; a hub asking for longer gets its answer passed on. 30 s. */
  maxRetryWaitMs?: number;
}

/** Answers that mean "the same request, a little later". */
const TRY_LATER = new Set([429, 503]);

/** How long Retry-After (seconds, or an HTTP date) asks for; without it, doubling from 0.5 s. */
function retryWaitMs(header: string | null, attempt: number): number {
  if (header !== null) {
    if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
    const at = Date.parse(header);
    if (!Number.isNaN(at)) return Math.max(0, at - Date.now());
  }
  return 500 * 2 ** attempt;
}

/** The calls the client makes: each is checked against the hub's OpenAPI document. */
export const HUB_CALLS = [
  ["get", "/api/v1/me"],
  ["get", "/api/v1/my-school"],
  ["get", "/api/v1/establishments"],
  ["get", "/api/v1/transfers/next-sequence"],
  ["post", "/api/v1/transfers"],
  ["get", "/api/v1/transfers/{id}"],
  ["get", "/api/v1/sent"],
  ["get", "/api/v1/inbox"],
  ["post", "/api/v1/transfers/{id}/accept"],
  ["get", "/api/v1/transfers/{id}/content"],
  ["get", "/api/v1/transfers/{id}/preview"],
] as const;

export class HubClient {
  private readonly base: string;

  constructor(private readonly options: HubClientOptions) {
    this.base = options.url.replace(/\/+$/, "");
  }

  /** Who the token belongs to. */
  me(): Promise<HubMe> {
    return this.json("GET", "/api/v1/me");
  }

  /** The token's school as the hub's directory knows it. */
  mySchool(): Promise<HubEstablishment> {
    return this.json("GET", "/api/v1/my-school");
  }

  /** Schools by name, LAESTAB or URN. */
  async searchEstablishments(q: string): Promise<HubEstablishment[]> {
    const r = await this.json<{ establishments: HubEstablishment[] }>(
      "GET",
      `/api/v1/establishments?q=${encodeURIComponent(q)}`,
    );
    return r.establishments;
  }

  /** The next free file name from one LAESTAB to another. */
  nextSequence(from: string, to: string): Promise<{ sequence: number; fileName: string }> {
    return this.json(
      "GET",
      `/api/v1/transfers/next-sequence?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`,
    );
  }

  /**
   * Sends a CTF. `idempotencyKey` makes a retry after a lost answer safe: the hub answers the
   * second request with the first's answer instead of taking the file twice.
   */
  upload(
    fileName: string,
    xml: string | Uint8Array,
    idempotencyKey?: string,
  ): Promise<{ id: string; status: string; fileName: string; sizeBytes: number }> {
    return this.json("POST", `/api/v1/transfers?filename=${encodeURIComponent(fileName)}`, {
      body: xml,
      headers: {
        "content-type": "application/xml",
        ...(idempotencyKey ? { "idempotency-key": idempotencyKey } : {}),
      },
    });
  }

  transfer(id: string): Promise<HubTransfer> {
    return this.json("GET", `/api/v1/transfers/${encodeURIComponent(id)}`);
  }

  /** Every file this organisation sent, newest first, all pages. */
  sent(): Promise<HubTransfer[]> {
    return this.everyPage("/api/v1/sent?");
  }

  /**
   * The files this organisation sent since `since`, newest first: read a page at a time, and no
   * further back than that. One paged list, however many files are asked about.
   */
  async sentSince(since: Date): Promise<HubTransfer[]> {
    const all: HubTransfer[] = [];
    for (let page = 1; ; page++) {
      const got = await this.json<{ transfers: HubTransfer[]; more?: boolean }>(
        "GET",
        `/api/v1/sent?sort=newest&page=${page}&pageSize=500`,
      );
      all.push(...got.transfers);
      const last = got.transfers.at(-1);
      if (!got.more || !last || new Date(last.createdAt) < since) return all;
    }
  }

  /** Every file in the inbox of these statuses (by default, waiting and downloaded), all pages. */
  inbox(statuses: readonly string[] = ["available", "downloaded"]): Promise<HubTransfer[]> {
    return this.everyPage(`/api/v1/inbox?status=${statuses.join(",")}&`);
  }

  /** A paged list read to its end; `query` ends where the page parameters can follow. */
  private async everyPage(query: string): Promise<HubTransfer[]> {
    const all: HubTransfer[] = [];
    for (let page = 1; ; page++) {
      const got = await this.json<{ transfers: HubTransfer[]; more?: boolean }>(
        "GET",
        `${query}page=${page}&pageSize=500`,
      );
      all.push(...got.transfers);
      if (!got.more) return all;
    }
  }

  accept(id: string): Promise<HubTransfer> {
    return this.json("POST", `/api/v1/transfers/${encodeURIComponent(id)}/accept`);
  }

  /** A file's bytes, exactly as sent, after accepting it; refused past `maxBytes`. */
  async content(id: string, options: { maxBytes?: number } = {}): Promise<Uint8Array> {
    const r = await this.request("GET", `/api/v1/transfers/${encodeURIComponent(id)}/content`);
    return readCapped(r, options.maxBytes);
  }

  /**
   * A waiting file's bytes for its receiving school, before accepting it (the hub audits the
   * read, and the file stays waiting): an import matches its pupils first, then accepts.
   * Refused past `maxBytes`, as it arrives, so a huge file is never held whole.
   */
  async preview(id: string, options: { maxBytes?: number } = {}): Promise<Uint8Array> {
    const r = await this.request("GET", `/api/v1/transfers/${encodeURIComponent(id)}/preview`);
    return readCapped(r, options.maxBytes);
  }

  /**
   * The same as it arrives, chunk by chunk, for a reader that parses as it goes and never holds
   * the whole file; the hub's refusal (not found, not yours) is thrown before the first chunk.
   */
  async previewChunks(
    id: string,
    options: { maxBytes?: number } = {},
  ): Promise<AsyncGenerator<Uint8Array>> {
    const r = await this.request("GET", `/api/v1/transfers/${encodeURIComponent(id)}/preview`);
    return cappedChunks(r, options.maxBytes);
  }

  private async json<T>(
    method: string,
    path: string,
    init: { body?: string | Uint8Array; headers?: Record<string, string> } = {},
  ): Promise<T> {
    const r = await this.request(method, path, init);
    // Something answered at the address, but not a hub (a captive portal, a router's page, a
    // mistyped host): say so, rather than fail later on a shape nobody recognises.
    const body = /^application\/json\b/i.test(r.headers.get("content-type") ?? "")
      ? await r.json().catch(() => undefined)
      : undefined;
    if (body === null || typeof body !== "object")
      throw new HubError(
        r.status,
        "hub.not-a-hub",
        `${this.base} answered, but not as an S2S hub does: check the hub's address`,
      );
    return body as T;
  }

  private async request(
    method: string,
    path: string,
    init: { body?: string | Uint8Array; headers?: Record<string, string> } = {},
  ): Promise<Response> {
    const retries = this.options.retries ?? 3;
    const maxWait = this.options.maxRetryWaitMs ?? 30_000;
    for (let attempt = 0; ; attempt++) {
      const r = await this.send(method, path, init);
      if (!TRY_LATER.has(r.status) || attempt >= retries) return this.answer(r);
      const wait = retryWaitMs(r.headers.get("retry-after"), attempt);
      if (wait > maxWait) return this.answer(r);
      await r.body?.cancel();
      await new Promise((done) => setTimeout(done, wait));
    }
  }

  private async send(
    method: string,
    path: string,
    init: { body?: string | Uint8Array; headers?: Record<string, string> },
  ): Promise<Response> {
    let r: Response;
    try {
      r = await fetch(`${this.base}${path}`, {
        method,
        headers: { authorization: `Bearer ${this.options.token}`, ...init.headers },
        ...(init.body === undefined ? {} : { body: init.body }),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
      });
    } catch (e) {
      const cause = (e as { cause?: { code?: string } }).cause?.code;
      throw new HubUnreachableError(this.base, cause ?? (e as Error).message);
    }
    return r;
  }

  /** A good answer as it is; any other as the error it means. */
  private async answer(r: Response): Promise<Response> {
    if (r.ok) return r;
    const body = (await r.json().catch(() => undefined)) as
      | {
          error?: {
            code?: string;
            message?: string;
            field?: string;
            detail?: Record<string, string>;
          };
        }
      | undefined;
    // A proxy's or gateway's own error page (502, 503, 504) means the hub itself did not answer.
    if (body?.error === undefined && r.status >= 502)
      throw new HubUnreachableError(this.base, `HTTP ${r.status}`);
    throw new HubError(
      r.status,
      body?.error?.code ?? `http.${r.status}`,
      body?.error?.message ?? `the hub answered HTTP ${r.status}`,
      body?.error?.field,
      body?.error?.detail,
    );
  }
}
