/** The school side's typed reading of the shell's principal. */
import type { FastifyRequest } from "fastify";
import { AppError } from "../../platform/errors.js";
import type { MisPrincipal } from "../context.js";

export function misPrincipalOf(request: FastifyRequest): MisPrincipal {
  const p = request.principal as MisPrincipal | undefined;
  if (p === undefined) throw new AppError("auth.required");
  return p;
}

/** The principal, who must be a manager: staff are refused. */
export function misManagerOf(request: FastifyRequest): MisPrincipal {
  const p = misPrincipalOf(request);
  if (p.role !== "manager") throw new AppError("forbidden");
  return p;
}

/**
 * For a manager's route, before its body is checked: staff hear "not allowed", never what the
 * route would have accepted.
 */
export async function managerOnly(request: FastifyRequest): Promise<void> {
  misManagerOf(request);
}
