import type { AddressInfo } from "node:net";
import { type ParsedMail, simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";

/** A real SMTP server on loopback that keeps what it receives and can refuse for a while. */
export class TestSmtp {
  readonly received: ParsedMail[] = [];
  /** Connections that failed, such as a sender killed in the middle of a message. */
  readonly connectionErrors: Error[] = [];
  refusing = false;
  private readonly server: SMTPServer;

  constructor() {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ["STARTTLS", "AUTH"],
      logger: false,
      onData: (stream, _session, callback) => {
        if (this.refusing) {
          stream.resume();
          stream.on("end", () =>
            callback(Object.assign(new Error("try again later"), { responseCode: 451 })),
          );
          return;
        }
        simpleParser(stream)
          .then((mail) => {
            this.received.push(mail);
            callback();
          })
          .catch(callback);
      },
    });
  }

  async start(): Promise<string> {
    // A client gone mid-message (a worker killed while sending) is its failure, not the
    // server's: kept, not thrown as an unhandled error of whichever test is running.
    this.server.on("error", (err: Error) => this.connectionErrors.push(err));
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    const { port } = this.server.server.address() as AddressInfo;
    return `smtp://127.0.0.1:${port}`;
  }

  to(address: string): ParsedMail[] {
    return this.received.filter((m) => {
      const to = Array.isArray(m.to) ? m.to : m.to ? [m.to] : [];
      return to.some((t) => t.value.some((v) => v.address === address));
    });
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
