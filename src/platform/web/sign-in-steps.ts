/**
 * The steps of a page sign-in, the same in every app: the password; then the code from an
 * authenticator app, or setting one up at the first sign-in (with recovery codes); and a
 * single-use link to choose a password. Between steps the browser holds only a signed,
 * short-lived note of who is half signed in (pending-sign-in.ts). What each step checks is the
 * app's: it passes its own functions.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { AppError } from "../errors.js";
import { setSessionCookie } from "./auth.js";
import {
  type FieldError,
  fieldError,
  formOf,
  localPath,
  param,
  queryParam,
  signInForm,
} from "./forms.js";
import { keyView } from "./key-view.js";
import { clearPendingSignIn, pendingSignIn, setPendingSignIn } from "./pending-sign-in.js";

type Step = "code" | "set-up" | "done";

/** An app's sign-in: `C` is what a right password gives (the user, their counted attempt). */
export interface SignInSteps<C> {
  clock(): Date;
  checkPassword(username: string, password: string, ip: string): Promise<C>;
  /** The second step of a sign-in begun in an earlier request: counted as an attempt too. */
  resume(userId: string, ip: string): Promise<C>;
  userIdOf(checked: C): string;
  nextStep(checked: C): Promise<Step>;
  checkCode(checked: C, code: string): Promise<void>;
  /** The lockout count starts again, a session is made; its secret is returned. */
  complete(checked: C): Promise<string>;
  /** The key being set up (the same one again after a wrong code). */
  enrolment(userId: string): Promise<{ secret: string; uri: string }>;
  confirmEnrolment(checked: C, code: string): Promise<string[]>;
  linkHolder(token: string): Promise<{ username: string } | undefined>;
  /** Spends a link on a password; returns whose it was. */
  useLink(token: string, password: string): Promise<string>;
  /** The page a link opens (its template), and what to do about a lost phone, in the app's words. */
  linkPage: string;
  lostPhone?: string;
}

const withNext = (path: string, next: string) =>
  next === "/" ? path : `${path}?next=${encodeURIComponent(next)}`;

export function registerSignInSteps<C>(app: FastifyInstance, steps: SignInSteps<C>): void {
  async function finish(request: FastifyRequest, reply: FastifyReply, checked: C) {
    const session = await steps.complete(checked);
    clearPendingSignIn(request, reply);
    setSessionCookie(reply, session);
  }

  /** The half-signed-in user of this browser, or back to the first step. */
  function pendingOrRestart(request: FastifyRequest, reply: FastifyReply) {
    const userId = pendingSignIn(request, steps.clock());
    if (!userId) reply.redirect("/sign-in?expired=1", 303);
    return userId;
  }

  async function onward(
    request: FastifyRequest,
    reply: FastifyReply,
    checked: C,
    next: string,
  ): Promise<FastifyReply> {
    const step = await steps.nextStep(checked);
    if (step === "done") {
      await finish(request, reply, checked);
      return reply.redirect(next, 303);
    }
    setPendingSignIn(request, reply, steps.userIdOf(checked), steps.clock());
    return reply.redirect(withNext(`/sign-in/${step}`, next), 303);
  }

  app.get("/sign-in", async (request, reply) => {
    if (request.principal) return reply.redirect("/", 303);
    return reply.page("sign-in", {
      title: "Sign in",
      next: localPath(queryParam(request, "next")),
      values: {},
      ...(queryParam(request, "expired") === "1"
        ? { notice: { text: "That took too long. Sign in again." } }
        : {}),
    });
  });

  app.post("/sign-in", { onRequest: app.signInLimit }, async (request, reply) => {
    const { form, next, errors } = signInForm(request);
    if (errors.length === 0) {
      try {
        const checked = await steps.checkPassword(
          form.username?.trim() ?? "",
          form.password ?? "",
          request.ip,
        );
        return await onward(request, reply, checked, next);
      } catch (e) {
        if (!(e instanceof AppError) || !e.code.startsWith("auth.")) throw e;
        errors.push(fieldError("username", e.message));
        reply.status(e.status);
      }
    }
    return reply.page("sign-in", {
      title: "Sign in",
      next,
      errors,
      values: { username: form.username ?? "" },
    });
  });

  const codePage = (next: string, errors?: FieldError[]) => ({
    title: "Enter your security code",
    next,
    ...(steps.lostPhone ? { lostPhone: steps.lostPhone } : {}),
    ...(errors ? { errors } : {}),
  });

  app.get("/sign-in/code", async (request, reply) => {
    if (!pendingOrRestart(request, reply)) return reply;
    return reply.page("sign-in-code", codePage(localPath(queryParam(request, "next"))));
  });

  app.post("/sign-in/code", { onRequest: app.signInLimit }, async (request, reply) => {
    const userId = pendingOrRestart(request, reply);
    if (!userId) return reply;
    const form = formOf(request);
    const next = localPath(form.next);
    let error: FieldError;
    if (!form.code?.trim()) error = fieldError("code", "Enter the code from your app");
    else
      try {
        const checked = await steps.resume(userId, request.ip);
        await steps.checkCode(checked, form.code);
        await finish(request, reply, checked);
        return reply.redirect(next, 303);
      } catch (e) {
        if (!(e instanceof AppError) || !e.code.startsWith("auth.")) throw e;
        if (e.code === "auth.required") return reply.redirect("/sign-in?expired=1", 303);
        error = fieldError("code", e.message);
        reply.status(e.status);
      }
    return reply.page("sign-in-code", codePage(next, [error]));
  });

  const setUpPage = async (userId: string, next: string, errors?: FieldError[]) => ({
    title: "Set up a second factor",
    action: "/sign-in/set-up",
    atSignIn: true,
    next,
    ...(errors ? { errors } : {}),
    ...keyView(await steps.enrolment(userId)),
  });

  app.get("/sign-in/set-up", async (request, reply) => {
    const userId = pendingOrRestart(request, reply);
    if (!userId) return reply;
    const next = localPath(queryParam(request, "next"));
    return reply.page("second-factor-set-up", await setUpPage(userId, next));
  });

  app.post("/sign-in/set-up", { onRequest: app.signInLimit }, async (request, reply) => {
    const userId = pendingOrRestart(request, reply);
    if (!userId) return reply;
    const form = formOf(request);
    const next = localPath(form.next);
    try {
      const checked = await steps.resume(userId, request.ip);
      const codes = await steps.confirmEnrolment(checked, form.code ?? "");
      await finish(request, reply, checked);
      return reply.page("recovery-codes", { title: "Your recovery codes", codes, next });
    } catch (e) {
      if (!(e instanceof AppError) || e.status >= 500) throw e;
      if (e.code === "auth.required" || e.code === "form.expired")
        return reply.redirect("/sign-in?expired=1", 303);
      return reply
        .status(e.status)
        .page(
          "second-factor-set-up",
          await setUpPage(userId, next, [fieldError("code", e.message)]),
        );
    }
  });

  const linkPage = (request: FastifyRequest, holder: unknown, errors?: FieldError[]) => ({
    title: "Choose your password",
    holder,
    action: request.url.split("?")[0],
    ...(errors ? { errors } : {}),
  });

  app.get("/sign-in/link/:token", async (request, reply) => {
    const holder = await steps.linkHolder(param(request, "token"));
    if (!holder) return reply.status(410).page(steps.linkPage, { title: "Link expired" });
    return reply.page(steps.linkPage, linkPage(request, holder));
  });

  app.post("/sign-in/link/:token", { onRequest: app.signInLimit }, async (request, reply) => {
    const token = param(request, "token");
    const holder = await steps.linkHolder(token);
    if (!holder) return reply.status(410).page(steps.linkPage, { title: "Link expired" });
    const form = formOf(request);
    let error: FieldError | undefined;
    if (!form.password) error = fieldError("password", "Enter a password");
    else if (form.password !== form.confirm)
      error = fieldError("confirm", "The passwords do not match");
    if (!error)
      try {
        const userId = await steps.useLink(token, form.password ?? "");
        return await onward(request, reply, await steps.resume(userId, request.ip), "/");
      } catch (e) {
        if (!(e instanceof AppError) || e.status >= 500) throw e;
        error = fieldError(e.field ?? "password", e.message);
      }
    return reply.status(400).page(steps.linkPage, linkPage(request, holder, [error]));
  });
}
