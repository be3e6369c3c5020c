/**
 * A list of files as the received and sent pages show it: filtered by status and by the other
 * party, sorted by date either way, a page at a time, all of it in the address so that a view
 * can be bookmarked (a status, a school's number, a page: never pupil data).
 */
import type { FastifyRequest } from "fastify";
import { partyName } from "../../../ctf/filename.js";
import { queryParam } from "../../../platform/web/forms.js";
import type { HubContext, Principal } from "../../context.js";
import { type FileListScope, fileList } from "../../transfer-list.js";
import type { TransferView } from "../../transfer-view.js";

export const LIST_PAGE = 25;

export interface ListQuery {
  status: string | undefined;
  party: string | undefined;
  /** The sending school, where a list can be filtered by it too (an LA's lists). */
  from?: string | undefined;
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
  const sort = queryParam(request, "sort");
  return {
    status: status && statuses.includes(status) ? status : undefined,
    party: laestabParam(request, partyParam),
    from: partyParam === "from" ? undefined : laestabParam(request, "from"),
    order: sort === "newest" || sort === "oldest" ? sort : order,
    page: pageParam(request),
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
  const shown = paginate(chosen, q.page, path, {
    status: q.status,
    [partyParam]: q.party,
    sort: q.order,
  });
  return {
    files: shown.items,
    total: chosen.length,
    parties: [...parties]
      .sort((a, b) => a[1].localeCompare(b[1]))
      .map(([value, text]) => ({ value, text })),
    query: q,
    pagination: shown.pagination,
  };
}

/**
 * A page of a list the database reads (hub/transfer-list.ts), with the schools for its filter,
 * shown as listPage shows one.
 */
export async function fileListPage(
  ctx: HubContext,
  p: Principal,
  scope: FileListScope,
  q: ListQuery,
  path: string,
  partyParam: string,
) {
  const got = await fileList(ctx, p, scope, {
    ...q,
    pageSize: LIST_PAGE,
    clamp: true,
    withParties: true,
  });
  const href = hrefWith(path, {
    status: q.status,
    from: q.from,
    [partyParam]: q.party,
    sort: q.order,
  });
  const options = (xs: { laestab: string; name: string | null }[]) =>
    xs.map((x) => ({ value: x.laestab, text: partyName(x.laestab, x.name) }));
  return {
    files: got.files,
    total: got.total,
    parties: options(got.parties),
    senders: options(got.senders),
    query: q,
    pagination: paginationOf(got.page, got.pages, href),
  };
}

/** The address of page n of a list with this filter (parameters undefined are left out). */
export function hrefWith(path: string, filter: Record<string, string | undefined>) {
  return (n: number) => addressOf(path, n > 1 ? { ...filter, page: String(n) } : filter);
}

/** A list's address with this filter; parameters empty or undefined are left out. */
export function addressOf(path: string, filter: Record<string, string | undefined>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(filter)) if (v) params.set(k, v);
  const query = params.toString();
  return query ? `${path}?${query}` : path;
}

/**
 * One page of a list, LIST_PAGE long, and GOV.UK pagination whose links keep the list's filter
 * (given as address parameters; those undefined are left out).
 */
export function paginate<T>(
  all: T[],
  wanted: number,
  path: string,
  filter: Record<string, string | undefined>,
) {
  const pages = Math.max(1, Math.ceil(all.length / LIST_PAGE));
  const page = Math.min(Math.max(1, wanted), pages);
  const href = hrefWith(path, filter);
  return {
    items: all.slice((page - 1) * LIST_PAGE, page * LIST_PAGE),
    page,
    pagination: paginationOf(page, pages, href),
  };
}

/**
 * A page the database reads (`read` takes a page number and a page size and says how many match
 * in all): the page asked for, or the last one when asked past the end, with its pagination.
 */
export async function pageFromDatabase<T extends { total: number }>(
  wanted: number,
  read: (page: number, pageSize: number) => Promise<T>,
  href: (n: number) => string,
) {
  let found = await read(wanted, LIST_PAGE);
  const pages = Math.max(1, Math.ceil(found.total / LIST_PAGE));
  if (wanted > pages) found = await read(pages, LIST_PAGE);
  return { found, pagination: paginationOf(Math.min(wanted, pages), pages, href) };
}

/** GOV.UK pagination for page `page` of `pages`, each at `href(n)`; none for a single page. */
export function paginationOf(page: number, pages: number, href: (n: number) => string) {
  if (pages <= 1) return undefined;
  return {
    ...(page > 1 ? { previous: { href: href(page - 1) } } : {}),
    ...(page < pages ? { next: { href: href(page + 1) } } : {}),
    items: Array.from({ length: pages }, (_, i) => i + 1)
      .filter((n) => n === 1 || n === pages || Math.abs(n - page) <= 2)
      .map((n) => ({ number: n, href: href(n), current: n === page })),
  };
}

/** A page number from the address: 1 unless a whole number above it is given. */
export function pageParam(request: FastifyRequest): number {
  const page = Number(queryParam(request, "page") ?? 1);
  return Number.isInteger(page) && page > 0 ? page : 1;
}

/** A school's or LA's number from the address; anything else is no filter. */
function laestabParam(request: FastifyRequest, name: string): string | undefined {
  const value = queryParam(request, name);
  return value && /^[0-9A-Z]{7}$/.test(value) ? value : undefined;
}
