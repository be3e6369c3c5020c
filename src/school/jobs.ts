/**
 * The school side's background work, as jobs on its own database: files waiting for the hub are
 * sent, sent files followed, imports' accepts told to the hub, intake pupils enrolled on their
 * day, ended sign-ins forgotten and the audit log sealed. Each kind runs on its own, so one
 * failing (the hub down) holds up no other, and every failure is logged (platform/jobs).
 */
import { sealAudit } from "../platform/audit/chain.js";
import { LOCK_KEYS } from "../platform/db/lock-keys.js";
import type { JobKind } from "../platform/jobs/queue.js";
import type { MisContext } from "./context.js";
import { refreshFromHub, sendWaiting } from "./export.js";
import { sendDueAccepts } from "./hub-accepts.js";
import { enrolDue } from "./intake.js";
import { forgetEndedSignIns } from "./sessions.js";

export const SEND_WAITING = "send-waiting-exports";
export const FOLLOW_SENT = "follow-sent-exports";
export const SEND_ACCEPTS = "send-hub-accepts";
export const ENROL_INTAKE = "enrol-intake";
export const FORGET_SIGN_INS = "forget-sign-ins";
export const SEAL_AUDIT = "seal-audit";

const MINUTE = 60_000;

/** Kinds whose interval `retryMs` sets: the ones that talk to the hub. */
export const HUB_CHORES = [SEND_WAITING, FOLLOW_SENT, SEND_ACCEPTS] as const;

export function misJobKinds(): readonly JobKind<MisContext>[] {
  return [
    {
      name: SEND_WAITING,
      every: MINUTE,
      run: async (ctx) => ({ sent: await sendWaiting(ctx) }),
    },
    {
      name: FOLLOW_SENT,
      every: MINUTE,
      run: async (ctx) => {
        await refreshFromHub(ctx);
      },
    },
    { name: SEND_ACCEPTS, every: MINUTE, run: (ctx) => sendDueAccepts(ctx) },
    {
      name: ENROL_INTAKE,
      every: 10 * MINUTE,
      run: async (ctx) => ({ enrolled: (await enrolDue(ctx)).length }),
    },
    {
      name: FORGET_SIGN_INS,
      every: 15 * MINUTE,
      run: async (ctx) => {
        await forgetEndedSignIns(ctx);
      },
    },
    {
      name: SEAL_AUDIT,
      every: 10 * MINUTE,
      run: async (ctx) => ({ sealed: await sealAudit(ctx.db, LOCK_KEYS.misAuditSeal) }),
    },
  ];
}
