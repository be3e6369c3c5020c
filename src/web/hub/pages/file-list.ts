/**
 * A list of files as the received and sent pages show it: filtered by status and by the other
 * party, sorted by date either way, a page at a time, all of it in the address so that a view
 * can be bookmarked (a status, a school's number, a page: never pupil data).
 */
import type { FastifyRequest } from "fastify";
import { partyName } from "../../../ctf/filename.js";
import type { TransferView } from "../../../hub/transfer-view.js";
import { queryParam } from "./forms.js";

export const LIST_PAGE = 25;

export interface ListQuery {
  status: string | undefined;
  party: string | undefined;
  order: "newest" | "oldest";
  page: number;
}

export function listQuery(
  request: FastifyRequest,
  partyParam: string,
  statuses: readonly string[],
  order: "newest" | "oldest",
): ListQuery {
  const status = queryParam(request, "status");
  const party = queryParam(request, partyParam);
  const sort = queryParam(request, "sort");
  const page = Number(queryParam(request, "page") ?? 1);
  return {
    status: status && statuses.includes(status) ? status : undefined,
    party: party && /^[0-9A-Z]{7}$/.test(party) ? party : undefined,
    order: sort === "newest" || sort === "oldest" ? sort : order,
    page: Number.isInteger(page) && page > 0 ? page : 1,
  };
}

export function listPage(
  files: TransferView[],
  q: ListQuery,
  side: "source" | "destination",
  path: string,
  partyParam: string,
) {
  const parties = new Map<string, string>();
  for (const f of files) parties.set(f[side].laestab, partyName(f[side].laestab, f[side].name));
  const when = (f: TransferView) => f.checkedAt ?? f.createdAt;
  const chosen = files
    .filter((f) => !q.status || f.status === q.status)
    .filter((f) => !q.party || f[side].laestab === q.party)
    .sort(
      (a, b) =>
        (when(a) < when(b) ? -1 : when(a) > when(b) ? 1 : 0) * (q.order === "newest" ? -1 : 1),
    );
  const pages = Math.max(1, Math.ceil(chosen.length / LIST_PAGE));
  const page = Math.min(q.page, pages);
  const href = (n: number) => {
    const params = new URLSearchParams();
    if (q.status) params.set("status", q.status);
    if (q.party) params.set(partyParam, q.party);
    params.set("sort", q.order);
    if (n > 1) params.set("page", String(n));
    return `${path}?${params}`;
  };
  return {
    files: chosen.slice((page - 1) * LIST_PAGE, page * LIST_PAGE),
    total: chosen.length,
    parties: [...parties]
      .sort((a, b) => a[1].localeCompare(b[1]))
      .map(([value, text]) => ({ value, text })),
    query: q,
    pagination:
      pages > 1
        ? {
            ...(page > 1 ? { previous: { href: href(page - 1) } } : {}),
            ...(page < pages ? { next: { href: href(page + 1) } } : {}),
            items: Array.from({ length: pages }, (_, i) => i + 1)
              .filter((n) => n === 1 || n === pages || Math.abs(n - page) <= 2)
              .map((n) => ({ number: n, href: href(n), current: n === page })),
          }
        : undefined,
  };
}
