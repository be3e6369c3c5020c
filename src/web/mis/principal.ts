/** The school side's typed reading of the shell's principal. */
import type { FastifyRequest } from "fastify";
import { AppError } from "../../errors.js";
import type { MisPrincipal } from "../../mis/context.js";

export function misPrincipalOf(request: FastifyRequest): MisPrincipal {
  const p = request.principal as MisPrincipal | undefined;
  if (p === undefined) throw new AppError("auth.required");
  return p;
}
