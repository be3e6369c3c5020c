/**
 * Mail is never lost and a repeat is recognisable: a send is recorded before the mail server is
 * asked, and every attempt at one message carries the same Message-ID, so when a worker fails
 * after the server took it (here: it throws; in life: it dies), the second copy can be dropped.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deliverDueMail, enqueueMail, LEASE_MS } from "../../src/platform/mail/outbox.js";
import { SMTP_TIMEOUTS, smtpTransport } from "../../src/platform/mail/transport.js";
import { DATABASES } from "../helpers/db.js";
import { startTestHub, type TestHub } from "../helpers/hub.js";

for (const { target, skip } of DATABASES) {
  describe.skipIf(skip)(`mail delivery on ${target.name}`, () => {
    let t: TestHub;

    beforeAll(async () => {
      t = await startTestHub(target.name);
    }, 90_000);

    afterAll(async () => {
      await t?.stop();
    });

    it("sends each message once when a slow mail server makes a batch outlast its lease", async () => {
      const db = t.hub.ctx.db;
      // Due a day from the hub's now, so that its own worker leaves them to this test.
      let now = new Date(t.now.value.getTime() + 86_400_000);
      const to = "slow-server@users.invalid";
      for (let i = 1; i <= 6; i++)
        await enqueueMail(db, { to: [to], subject: `S2S: slow ${i}`, body: "Hello." }, now);
      const smtp = smtpTransport(t.config.smtpUrl ?? "");
      const deps = { db, from: "S2S <no-reply@s2s.example>", now: () => now };
      let second: Promise<unknown> | undefined;
      let handed = 0;
      // A server that takes two minutes a message (the time is the test's clock); a second
      // worker starts after three, when a lease taken at the start has lapsed.
      const slow = {
        async send(mail: Parameters<typeof smtp.send>[0]) {
          await smtp.send(mail);
          now = new Date(now.getTime() + 2 * 60_000);
          if (++handed === 3) second = deliverDueMail({ ...deps, transport: smtp });
        },
        close: () => {},
      };
      await deliverDueMail({ ...deps, transport: slow });
      await second;
      smtp.close();
      const ids = t.smtp.to(to).map((m) => m.messageId);
      expect(ids).toHaveLength(6);
      expect(new Set(ids).size).toBe(6);
      // And no send can outlast its message's lease: the SMTP client gives up well within it.
      const { connectionTimeout, greetingTimeout, socketTimeout } = SMTP_TIMEOUTS;
      expect(connectionTimeout + greetingTimeout + socketTimeout).toBeLessThan(LEASE_MS / 2);
    });

    it("records a send before it starts, and repeats it with the same Message-ID", async () => {
      const db = t.hub.ctx.db;
      const to = "repeat-test@users.invalid";
      // Due an hour from the hub's now, so that its own worker leaves it to this test.
      let now = new Date(t.now.value.getTime() + 3600_000);
      await enqueueMail(db, { to: [to], subject: "S2S: a test", body: "Hello." }, now);
      const row = await db
        .selectFrom("mail_outbox")
        .select("id")
        .where("subject", "=", "S2S: a test")
        .executeTakeFirstOrThrow();
      const smtp = smtpTransport(t.config.smtpUrl ?? "");
      let seenDuringSend: unknown;
      const failsAfterSending = {
        async send(mail: Parameters<typeof smtp.send>[0]) {
          seenDuringSend = await db
            .selectFrom("mail_outbox")
            .select(["sending_since", "sent_at"])
            .where("id", "=", row.id)
            .executeTakeFirstOrThrow();
          await smtp.send(mail);
          throw new Error("the connection dropped before the server's answer was read");
        },
        close: () => {},
      };
      const deps = { db, from: "S2S <no-reply@s2s.example>", now: () => now };
      expect(await deliverDueMail({ ...deps, transport: failsAfterSending })).toEqual({
        sent: 0,
        failed: 1,
      });
      expect(seenDuringSend).toMatchObject({ sending_since: expect.any(Date), sent_at: null });
      now = new Date(now.getTime() + 60_000);
      expect(await deliverDueMail({ ...deps, transport: smtp })).toMatchObject({ sent: 1 });
      smtp.close();
      const copies = t.smtp.to(to);
      expect(copies).toHaveLength(2);
      expect(copies.map((m) => m.messageId)).toEqual([
        `<${row.id}@s2s.example>`,
        `<${row.id}@s2s.example>`,
      ]);
      const after = await db
        .selectFrom("mail_outbox")
        .select(["sending_since", "sent_at", "attempts"])
        .where("id", "=", row.id)
        .executeTakeFirstOrThrow();
      expect(after).toMatchObject({ sending_since: null, sent_at: expect.any(Date), attempts: 2 });
    });
  });
}
