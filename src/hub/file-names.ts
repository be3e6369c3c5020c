/**
 * When a file's name is not a CTF name (renamed, or saved by a browser as "ctf.xml"), its header
 * still says where it is from and to: suggest the name it should have, with the next free
 * sequence number, rather than only saying the name is wrong.
 */
import { isSourceLaestab, normaliseLaestab } from "../ctf/filename.js";
import { parseCtf } from "../ctf/read.js";
import { AppError } from "../platform/errors.js";
import type { HubContext, Principal } from "./context.js";
import { nextSequence } from "./upload.js";

export async function suggestFileName(
  ctx: HubContext,
  p: Principal,
  bytes: Uint8Array,
): Promise<string | undefined> {
  const report = await parseCtf(bytes, { findingsPerCode: 1 }).catch(() => undefined);
  const h = report?.header;
  if (!h?.sourceSchool?.lea || !h.sourceSchool.estab) return undefined;
  const source = `${h.sourceSchool.lea}${h.sourceSchool.estab}`;
  const dest = h.destSchool?.lea
    ? normaliseLaestab(`${h.destSchool.lea}${h.destSchool.estab ?? "LLLL"}`)
    : "XXXXXXX";
  if (!isSourceLaestab(source)) return undefined;
  try {
    return (await nextSequence(ctx, p, source, dest)).fileName;
  } catch (e) {
    // Not this user's school, or a destination no name can hold: no suggestion to make.
    if (e instanceof AppError || e instanceof RangeError) return undefined;
    throw e;
  }
}
