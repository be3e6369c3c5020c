/**
 * How mail leaves: over SMTP when configured, else each message written as an .eml file in
 * the outbox folder, where a demo or a developer can open it.
 */
import { randomUUID } from "node:crypto";
import { mkdir, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import nodemailer from "nodemailer";

export interface OutgoingMail {
  from: string;
  to: string[];
  subject: string;
  text: string;
  /** The same for every attempt at one message, so a repeat can be recognised and dropped. */
  messageId: string;
}

export interface MailTransport {
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
}

/**
 * nodemailer's own time-outs (two minutes to connect, ten for a quiet socket) could outlast a
 * message's lease in the outbox, and a second worker would send it again: these add up to well
 * under it (outbox.ts's LEASE_MS, five minutes).
 */
export const SMTP_TIMEOUTS = {
  connectionTimeout: 30_000,
  greetingTimeout: 30_000,
  socketTimeout: 60_000,
};

export function smtpTransport(url: string): MailTransport {
  const transporter = nodemailer.createTransport({ url, ...SMTP_TIMEOUTS });
  return {
    async send(mail) {
      await transporter.sendMail(mail);
    },
    close: () => transporter.close(),
  };
}

export function fileTransport(dir: string): MailTransport {
  const builder = nodemailer.createTransport({
    streamTransport: true,
    buffer: true,
    newline: "unix",
  });
  return {
    async send(mail) {
      const info = await builder.sendMail(mail);
      await mkdir(dir, { recursive: true });
      // Named by time and a random id: never by recipient or subject.
      const name = `${new Date().toISOString().replace(/[:.]/g, "-")}-${randomUUID()}.eml`;
      const tmp = join(dir, `.${name}.tmp`);
      await writeFile(tmp, info.message as Buffer, { mode: 0o600 });
      await rename(tmp, join(dir, name));
    },
    close: () => builder.close(),
  };
}
