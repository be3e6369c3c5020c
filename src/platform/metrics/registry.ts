/**
 * Prometheus metrics for any app: a registry of this process's own (no module-level default
 * registry: two apps in one test process must not share counters), the process's default
 * metrics, and every HTTP request by its route's pattern (never its address, which can hold an
 * id) and status, with a duration histogram.
 */
import type { FastifyInstance } from "fastify";
import { collectDefaultMetrics, Histogram, Registry } from "prom-client";

export interface AppMetrics {
  registry: Registry;
  httpDuration: Histogram<"method" | "route" | "status">;
}

export function createAppMetrics(): AppMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const httpDuration = new Histogram({
    name: "http_request_duration_seconds",
    help: "HTTP requests by method, route pattern and status, and how long each took",
    labelNames: ["method", "route", "status"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  return { registry, httpDuration };
}

/** Times every request of `app` into the histogram; a request no route matched is "unmatched". */
export function observeHttp(app: FastifyInstance, metrics: AppMetrics): void {
  app.addHook("onResponse", async (request, reply) => {
    metrics.httpDuration.observe(
      {
        method: request.method,
        route: request.routeOptions.url ?? "unmatched",
        status: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    );
  });
}
