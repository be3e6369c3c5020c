/**
 * The whole chain on demo data, for `npm start`: the hub with its demo schools and LAs, and the
 * school side of two demo schools, each connected to the hub with a token of its own, with a
 * register of generated pupils and the other school associated. Every start prints every
 * sign-in, not only the first.
 */
import { join } from "node:path";
import { configFromEnv, type HubConfig } from "../hub/config.js";
import { DEMO_PASSWORD, type DemoSignIn, demoSignIns } from "../hub/demo.js";
import { type RunningHub, type StartOptions, startHub } from "../hub/service.js";
import { createToken } from "../hub/tokens.js";
import { newTotpSecret } from "../platform/accounts/totp.js";
import { addAssociatedSchool } from "../school/associated-schools.js";
import { misConfigFromEnv } from "../school/config.js";
import type { MisPrincipal } from "../school/context.js";
import { createDemoRegister } from "../school/demo.js";
import { initSchool } from "../school/school.js";
import { type RunningMis, startMis } from "../school/service.js";
import { createMisToken } from "../school/tokens.js";
import { createMisUser } from "../school/users.js";

/** The two demo schools that get a school side, with the hub account each connects as. */
const SCHOOLS = [
  { laestab: "8231234", hubUser: "brookfield", seed: 1 },
  { laestab: "9382001", hubUser: "meadowlane", seed: 2 },
] as const;

export interface DemoSchool {
  laestab: string;
  name: string;
  url: string;
  username: string;
  password: string;
  /** The manager's authenticator key: given at the first start only, as the hub's are. */
  totpSecret?: string;
  /** A fresh API token for the school side, made at this start. */
  apiToken: string;
}

export interface DemoChain {
  hub: RunningHub;
  schools: (DemoSchool & { mis: RunningMis })[];
  signIns: DemoSignIn[];
  stop(): Promise<void>;
}

export async function startDemoChain(
  dataDir: string,
  options: { port?: number; schoolPorts?: [number, number]; hub?: StartOptions } = {},
): Promise<DemoChain> {
  const hubConfig: HubConfig = configFromEnv(process.env, {
    dataDir,
    ...(options.port !== undefined ? { port: options.port } : {}),
  });
  const hub = await startHub(hubConfig, { ...options.hub, demo: true });
  const started: (DemoSchool & { mis: RunningMis })[] = [];
  try {
    const hubUrl = hub.url as string;
    // The hub may listen on a port chosen at start: links in e-mail should name it.
    hubConfig.publicUrl = hubUrl;
    for (const [i, s] of SCHOOLS.entries()) {
      const mis = await startMis(
        misConfigFromEnv(process.env, {
          dataDir: join(dataDir, "schools", s.laestab),
          port: options.schoolPorts?.[i] ?? 3101 + i,
        }),
        { demo: true },
      );
      started.push({ ...(await setUpSchool(hub, mis, s)), mis });
    }
    return {
      hub,
      schools: started,
      signIns: await demoSignIns(hub.ctx),
      async stop() {
        for (const s of started) await s.mis.stop();
        await hub.stop();
      },
    };
  } catch (e) {
    for (const s of started) await s.mis.stop().catch(() => {});
    await hub.stop().catch(() => {});
    throw e;
  }
}

async function setUpSchool(
  hub: RunningHub,
  mis: RunningMis,
  s: (typeof SCHOOLS)[number],
): Promise<DemoSchool> {
  const ctx = mis.ctx;
  const est = await hub.ctx.db
    .selectFrom("establishments")
    .select("name")
    .where("laestab", "=", s.laestab)
    .executeTakeFirstOrThrow();
  // A token of its own at each start: the hub's address (its port) may have changed too.
  const { token } = await createToken(hub.ctx, null, s.hubUser, { label: "school side (demo)" });
  const first = !(await ctx.db.selectFrom("school").select("laestab").executeTakeFirst());
  await initSchool(ctx, {
    laestab: s.laestab,
    name: est.name,
    hubUrl: hub.url as string,
    hubToken: token,
  });
  const username = "office";
  // A manager signs in with a second factor: the demo's key is printed once, at the first start.
  const totpSecret = first ? newTotpSecret() : undefined;
  if (first) {
    const { id } = await createMisUser(ctx, null, {
      username,
      email: `office@${s.laestab}.schools.invalid`,
      role: "manager",
      password: DEMO_PASSWORD,
      ...(totpSecret ? { totpSecret } : {}),
    });
    await createDemoRegister(ctx, 60, s.seed);
    const manager: MisPrincipal = { userId: id, username, role: "manager" };
    const other = SCHOOLS.find((o) => o.laestab !== s.laestab);
    if (other) await addAssociatedSchool(ctx, manager, { laestab: other.laestab, code: "DEMO" });
  }
  return {
    laestab: s.laestab,
    name: est.name,
    url: mis.url,
    username,
    password: DEMO_PASSWORD,
    ...(totpSecret ? { totpSecret } : {}),
    apiToken: await createMisToken(ctx, null, username),
  };
}
