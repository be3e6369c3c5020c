/** The hub's reading of who is calling: the shell holds the principal, typed here once. */
import type { FastifyRequest } from "fastify";
import { AppError } from "../../platform/errors.js";
import type { Principal } from "../principal.js";

/** Whoever is signed in, or undefined. The hub's credentials only ever yield a Principal. */
export function signedInAs(request: FastifyRequest): Principal | undefined {
  return request.principal as Principal | undefined;
}

export function principalOf(request: FastifyRequest): Principal {
  const p = signedInAs(request);
  if (!p) throw new AppError("auth.required");
  return p;
}

export function adminOf(request: FastifyRequest): Principal {
  const p = principalOf(request);
  if (p.role !== "admin") throw new AppError("forbidden");
  return p;
}
