/**
 * `Idempotency-Key` on the API's POST and DELETE routes: a client that retries a request with
 * the same key (after a time-out, say) gets the first answer again instead of acting twice.
 * Keys belong to the user who sent them; the first request with a key claims it in the database,
 * so two at once cannot both act; retention deletes answers after a day. A "try again" answer
 * (a server error, 429, 408) frees the key for the retry, and so does a claim left with no answer
 * past its lease (the hub died). An upload's body is a stream not yet read when its key is
 * claimed: the upload notes what it held (`uploadContent`), and a retry reads its own file and is
 * answered the first time's answer only if the file is the same (`replayUpload`), else 422.
 */
import { createHash } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { AppError } from "../../platform/errors.js";
import type { HubContext } from "../context.js";
import { liveProcesses } from "../processes.js";
import { signedInAs } from "./principal.js";

const IDEMPOTENCY_HEADER = "idempotency-key";
/**
 * How long a claimed key waits for its request's answer before a retry may take it: longer than
 * any request runs (a 200 MB upload on a slow line), short enough that a client whose request
 * died with the hub is not told "in progress" for a day.
 */
const CLAIM_LEASE_MS = 5 * 60_000;

declare module "fastify" {
  interface FastifyRequest {
    idempotencyKey: string | undefined;
    /** An upload's name and hash, kept with its answer. */
    idempotencyContent: string | undefined;
    /** An answered upload's key: the handler compares the file before replaying. */
    idempotencyReplay: { status: number; body: unknown; content: string } | undefined;
  }
}

/** What an upload is kept as beside its answer: its name, and its SHA-256 if it was read whole. */
export const uploadContent = (fileName: string, sha256?: string) => `${fileName}\n${sha256 ?? ""}`;

/**
 * A retried upload under an answered key: the first answer again if the file is the same one
 * (or, when the first was refused before it was read, has the same name), else 422.
 */
export async function replayUpload(
  request: FastifyRequest,
  reply: FastifyReply,
  fileName: string,
  content: AsyncIterable<Uint8Array>,
) {
  const earlier = request.idempotencyReplay;
  if (!earlier) throw new Error("not a replay");
  const hash = createHash("sha256");
  for await (const chunk of content) hash.update(chunk);
  const seen = uploadContent(fileName, hash.digest("hex"));
  const [name, hex] = earlier.content.split("\n");
  const same = hex ? seen === earlier.content : seen.startsWith(`${name}\n`);
  if (!same) throw new AppError("idempotency.mismatch");
  reply.header("idempotent-replayed", "true").status(earlier.status);
  return earlier.body === null ? reply.send() : reply.send(earlier.body);
}

function fingerprint(request: FastifyRequest): string {
  // A JSON body is part of the request's identity; a raw upload's body is a stream still to be
  // read (and cannot be serialised), so only its method and path are.
  const json =
    request.body !== null &&
    typeof request.body === "object" &&
    (Array.isArray(request.body) || Object.getPrototypeOf(request.body) === Object.prototype);
  const body = json ? createHash("sha256").update(JSON.stringify(request.body)).digest("hex") : "";
  return `${request.method} ${request.url} ${body}`.trim();
}

export function registerIdempotency(app: FastifyInstance, ctx: HubContext): void {
  app.decorateRequest("idempotencyKey", undefined);
  app.decorateRequest("idempotencyContent", undefined);
  app.decorateRequest("idempotencyReplay", undefined);
  app.addHook("preHandler", async (request, reply) => {
    const key = request.headers[IDEMPOTENCY_HEADER];
    const principal = signedInAs(request);
    if (typeof key !== "string" || !principal) return;
    if (request.method !== "POST" && request.method !== "DELETE") return;
    if (!request.url.startsWith("/api/v1/") || request.url.startsWith("/api/v1/session")) return;
    if (key.length < 1 || key.length > 255)
      throw new AppError("invalid", "An Idempotency-Key is 1 to 255 characters.");
    const userId = principal.userId;
    const asked = fingerprint(request);
    const now = ctx.clock();
    const claimedBy = ctx.processId ?? null;
    const claimed = await ctx.db
      .insertInto("idempotency_keys")
      .values({ user_id: userId, key, request: asked, created_at: now, claimed_by: claimedBy })
      .onConflict((oc) => oc.columns(["user_id", "key"]).doNothing())
      .returning("key")
      .executeTakeFirst();
    // A claim with no answer is a request whose process died if that process has stopped saying
    // it is alive (killed, its machine lost), or after the lease: a retry takes it.
    const retaken =
      claimed ??
      (await ctx.db
        .updateTable("idempotency_keys")
        .set({ request: asked, created_at: now, claimed_by: claimedBy })
        .where("user_id", "=", userId)
        .where("key", "=", key)
        .where("status", "is", null)
        .where((eb) =>
          eb.or([
            eb("created_at", "<", new Date(now.getTime() - CLAIM_LEASE_MS)),
            eb.and([
              eb("claimed_by", "is not", null),
              // This process's own claims are alive: it is answering them.
              ...(claimedBy ? [eb("claimed_by", "!=", claimedBy)] : []),
              eb("claimed_by", "not in", liveProcesses(ctx.db, now)),
            ]),
          ]),
        )
        .returning("key")
        .executeTakeFirst());
    if (retaken) {
      request.idempotencyKey = key;
      return;
    }
    const earlier = await ctx.db
      .selectFrom("idempotency_keys")
      .select(["request", "status", "body", "content"])
      .where("user_id", "=", userId)
      .where("key", "=", key)
      .executeTakeFirst();
    if (!earlier) throw new AppError("idempotency.in-progress");
    if (earlier.request !== asked) throw new AppError("idempotency.mismatch");
    if (earlier.status === null) throw new AppError("idempotency.in-progress");
    if (earlier.content !== null) {
      request.idempotencyReplay = {
        status: earlier.status,
        body: earlier.body,
        content: earlier.content,
      };
      return;
    }
    reply.header("idempotent-replayed", "true").status(earlier.status);
    return earlier.body === null ? reply.send() : reply.send(earlier.body);
  });

  app.addHook("onSend", async (request, reply, payload) => {
    const key = request.idempotencyKey;
    const userId = signedInAs(request)?.userId;
    if (key === undefined || userId === undefined) return payload;
    request.idempotencyKey = undefined;
    // "Try again later" (too many, a server error) is no answer to keep: a retry must be tried.
    if (reply.statusCode >= 500 || reply.statusCode === 429 || reply.statusCode === 408) {
      await ctx.db
        .deleteFrom("idempotency_keys")
        .where("user_id", "=", userId)
        .where("key", "=", key)
        .execute();
      return payload;
    }
    // Every API answer is JSON (or empty); that text is what is replayed.
    const body = typeof payload === "string" && payload !== "" ? payload : null;
    await ctx.db
      .updateTable("idempotency_keys")
      .set({ status: reply.statusCode, body, content: request.idempotencyContent ?? null })
      .where("user_id", "=", userId)
      .where("key", "=", key)
      .execute();
    return payload;
  });
}
