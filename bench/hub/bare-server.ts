/**
 * The baselines for the hub benchmarks, as small as a Fastify service can be: one route that takes
 * the same multipart upload and writes it to disk with fsync, and one that returns a JSON list.
 * Prints its URL, then serves until killed.
 */
import { randomUUID } from "node:crypto";
import { mkdtemp, open, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import multipart from "@fastify/multipart";
import Fastify from "fastify";

const dir = await mkdtemp(join(tmpdir(), "s2s-bare-"));
const app = Fastify();
await app.register(multipart);
const items = Array.from({ length: 50 }, (_, i) => ({
  id: randomUUID(),
  fileName: `8231234_CTF_9382001_${String(i + 1).padStart(3, "0")}.XML`,
  status: "available",
  source: { laestab: "8231234", name: "Brookfield Primary School" },
  destination: { laestab: "9382001", name: "Meadow Lane Primary School", kind: "school" },
  pupilCount: 4,
  createdAt: new Date().toISOString(),
}));

app.post("/upload", async (request, reply) => {
  const part = await request.file();
  if (!part) return reply.status(400).send();
  const bytes = await part.toBuffer();
  const file = await open(join(dir, randomUUID()), "w");
  await file.write(bytes);
  await file.sync();
  await file.close();
  return reply.status(202).send({ id: randomUUID(), status: "available" });
});
app.get("/inbox", async () => ({ transfers: items }));

const url = await app.listen({ port: 0, host: "127.0.0.1" });
process.stdout.write(`listening ${url}\n`);
// What it was sent goes with it: each run left a folder of uploads behind.
process.on("SIGTERM", () => {
  void rm(dir, { recursive: true, force: true }).then(() => process.exit(0));
});
