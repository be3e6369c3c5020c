import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyInstance } from "fastify";
import { Type } from "typebox";
import { errors, Me, NoContent, ok } from "../../../contract/hub-api.js";
import {
  clearSessionCookie,
  sessionTokenOf,
  setSessionCookie,
} from "../../../platform/web/auth.js";
import { SignInBody } from "../../../platform/web/schemas.js";
import type { HubContext, Principal } from "../../context.js";
import { downloadNoticesOn, setDownloadNotices } from "../../download-notices.js";
import { registerNoticesOn, setRegisterNotices } from "../../register-notices.js";
import { signIn, signOut } from "../../sign-in.js";
import { principalOf, signedInAs } from "../principal.js";

const meOf = (p: Principal) => ({
  id: p.userId,
  username: p.username,
  role: p.role,
  establishment: p.establishment,
  laCode: p.laCode,
});

export function sessionRoutes(fastify: FastifyInstance, ctx: HubContext): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.post(
    "/api/v1/session",
    {
      onRequest: fastify.signInLimit,
      schema: {
        tags: ["session"],
        summary: "Sign in; sets the session cookie",
        description:
          "Accounts with a second factor also send `code` (the authenticator's 6 digits, or a " +
          "recovery code); without it the answer is 401 `auth.code-required`, with a wrong one " +
          "401 `auth.code`. An account that must set one up first answers 401 " +
          "`auth.enrolment-required`: sign in once on the website.",
        body: SignInBody,
        response: {
          200: ok(Me, "Signed in; the session cookie is set"),
          ...errors(400, 401, 403, 423, 429),
        },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const { principal, session } = await signIn(
        ctx,
        body.username,
        body.password,
        request.ip,
        body.code,
      );
      setSessionCookie(reply, session);
      return meOf(principal);
    },
  );

  app.delete(
    "/api/v1/session",
    { schema: { tags: ["session"], summary: "Sign out", response: { 204: NoContent } } },
    async (request, reply) => {
      await signOut(ctx, sessionTokenOf(request), signedInAs(request));
      clearSessionCookie(reply);
      return reply.status(204).send(null);
    },
  );

  app.get(
    "/api/v1/me",
    {
      schema: {
        tags: ["session"],
        summary: "Who am I",
        response: { 200: ok(Me, "The signed-in user"), ...errors(401) },
      },
    },
    async (request) => {
      const p = principalOf(request);
      return meOf(p);
    },
  );

  app.put(
    "/api/v1/me/notices",
    {
      schema: {
        tags: ["session"],
        summary:
          "Choose what you are e-mailed about: your files downloaded (on unless turned off), and, for LAs, files from your schools going to a register",
        body: Type.Object({
          registerFiles: Type.Optional(
            Type.Boolean({
              description:
                "e-mail me when a file from one of our schools goes to the Lost Pupils database or the out of sector register (LAs)",
            }),
          ),
          downloadedFiles: Type.Optional(
            Type.Boolean({ description: "e-mail me when a file I sent is downloaded" }),
          ),
        }),
        response: {
          200: ok(
            Type.Object({ registerFiles: Type.Boolean(), downloadedFiles: Type.Boolean() }),
            "What you will be e-mailed about",
          ),
          ...errors(400, 401, 403),
        },
      },
    },
    async (request) => {
      const p = principalOf(request);
      const { registerFiles, downloadedFiles } = request.body;
      if (registerFiles !== undefined) await setRegisterNotices(ctx, p, registerFiles);
      if (downloadedFiles !== undefined) await setDownloadNotices(ctx, p, downloadedFiles);
      return {
        registerFiles: p.role === "la" ? await registerNoticesOn(ctx, p) : false,
        downloadedFiles: p.role === "admin" ? false : await downloadNoticesOn(ctx, p),
      };
    },
  );
}
