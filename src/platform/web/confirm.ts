/**
 * The confirmation step: a form for an action that sends a child's record somewhere or destroys
 * something posts first without `confirm`, and is answered with a page that says what will
 * happen; its "Yes" button posts the same fields again with `confirm=yes`. Nothing happens
 * before that second post, and the API (which has no pages) is not asked.
 */
import type { FastifyReply, FastifyRequest } from "fastify";

export interface Confirmation {
  title: string;
  caption?: string;
  /** What will happen, in words, one paragraph each. */
  lines: string[];
  warning?: string;
  /** The form's fields to post again (the form token and `confirm` are added). */
  fields?: Record<string, string>;
  button: string;
  /** Destroys something: the button is red. */
  destructive?: boolean;
  cancel: string;
}

export function confirmed(request: FastifyRequest): boolean {
  return (request.body as Record<string, unknown> | undefined)?.confirm === "yes";
}

export function askToConfirm(request: FastifyRequest, reply: FastifyReply, c: Confirmation) {
  return reply.page("confirm", {
    ...c,
    fields: c.fields ?? {},
    action: request.url.split("?")[0],
    backLink: c.cancel,
  });
}
