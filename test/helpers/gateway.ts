/**
 * A real HTTP gateway in front of a real hub, as a load balancer would stand: it passes every
 * request through, except those it is told to answer itself (a hub's 503 while restarting, a
 * 429, an Idempotency-Key still in progress), and it can go away and come back on the same port.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";

export interface Refusal {
  method: string;
  /** The start of the path it answers for, e.g. "/api/v1/transfers". */
  path: string;
  status: number;
  code: string;
  /** How many matching requests it answers before letting them through. */
  times: number;
  /** A Retry-After header to send with the answer. */
  retryAfter?: string;
}

export interface Gateway {
  url: string;
  refuse(r: Refusal): void;
  /** How many requests it answered itself. */
  refused(): number;
  /** Every request it was sent, as "METHOD /path?query". */
  requests: string[];
  /** Run before a request is passed through (what else happens while it is on its way). */
  before: ((method: string, url: string) => Promise<void>) | undefined;
  /** Stops answering at all (connections refused), as a hub mid-restart does. */
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

export async function startGateway(target: string): Promise<Gateway> {
  const refusals: Refusal[] = [];
  const requests: string[] = [];
  let answered = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    requests.push(`${req.method} ${req.url}`);
    const r = refusals.find(
      (x) => x.times > 0 && x.method === req.method && (req.url ?? "").startsWith(x.path),
    );
    if (r) {
      r.times--;
      answered++;
      res.writeHead(r.status, {
        "content-type": "application/json",
        ...(r.retryAfter === undefined ? {} : { "retry-after": r.retryAfter }),
      });
      res.end(
        JSON.stringify({ error: { code: r.code, message: `answered ${r.status} (${r.code})` } }),
      );
      return;
    }
    await gateway.before?.(req.method ?? "GET", req.url ?? "");
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers))
      if (typeof v === "string" && k !== "host" && k !== "content-length") headers[k] = v;
    try {
      const body = chunks.length > 0 ? Buffer.concat(chunks) : undefined;
      const upstream = await fetch(`${target}${req.url}`, {
        method: req.method ?? "GET",
        headers,
        ...(body && req.method !== "GET" ? { body } : {}),
        redirect: "manual",
      });
      const out: Record<string, string> = {};
      upstream.headers.forEach((v, k) => {
        if (k !== "content-encoding" && k !== "transfer-encoding" && k !== "content-length")
          out[k] = v;
      });
      res.writeHead(upstream.status, out);
      res.end(Buffer.from(await upstream.arrayBuffer()));
    } catch {
      res.writeHead(502);
      res.end();
    }
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  const down = async () => {
    const closed = new Promise<void>((r) => server.close(() => r()));
    for (const s of sockets) s.destroy();
    await closed;
  };
  const gateway: Gateway = {
    url: `http://127.0.0.1:${port}`,
    before: undefined,
    refuse: (r) => refusals.push({ ...r }),
    refused: () => answered,
    requests,
    down,
    up: () => new Promise<void>((r) => server.listen(port, "127.0.0.1", r)),
    close: () => (server.listening ? down() : Promise.resolve()),
  };
  return gateway;
}
