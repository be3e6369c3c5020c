/**
 * A browser without the browser, for testing page routes in bulk: keeps cookies, reads the form
 * token from a page, signs in through the sign-in form.
 */
export class PageClient {
  private readonly cookies = new Map<string, string>();

  constructor(private readonly base: string) {}

  async request(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size > 0)
      headers.set("cookie", [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; "));
    const r = await fetch(`${this.base}${path}`, { ...init, headers, redirect: "manual" });
    for (const c of r.headers.getSetCookie()) {
      const [pair] = c.split(";");
      const [name, ...value] = (pair ?? "").split("=");
      if (name) this.cookies.set(name.trim(), value.join("="));
    }
    return r;
  }

  cookie(name: string): string | undefined {
    return this.cookies.get(name);
  }

  setCookie(name: string, value: string): void {
    this.cookies.set(name, value);
  }

  /** This browser's form token, as a page's forms carry it. */
  async token(): Promise<string> {
    // Signed in, the sign-in page sends you home; any page's forms carry the same token.
    let r = await this.request("/sign-in");
    // Home, or (with a password someone else set) the page to choose one's own.
    for (let hops = 0; r.status === 303 && hops < 3; hops++)
      r = await this.request(r.headers.get("location") ?? "/");
    const html = await r.text();
    const m = /name="_csrf" value="([^"]+)"/.exec(html);
    if (!m?.[1]) throw new Error("no form token on the sign-in page");
    return m[1];
  }

  post(path: string, fields: Record<string, string>): Promise<Response> {
    return this.request(path, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(fields).toString(),
    });
  }

  /** Signs in through the form; `code` answers the second step when the account has one. */
  async signIn(username: string, password: string, code?: () => string): Promise<void> {
    const _csrf = await this.token();
    const r = await this.post("/sign-in", { username, password, _csrf, next: "/" });
    if (r.status !== 303) throw new Error(`sign-in as ${username} answered ${r.status}`);
    const to = r.headers.get("location") ?? "";
    if (!to.startsWith("/sign-in/code")) {
      if (to !== "/") throw new Error(`sign-in as ${username} went to ${to}`);
      return;
    }
    if (!code) throw new Error(`${username} needs a second-factor code`);
    const second = await this.post("/sign-in/code", { code: code(), _csrf, next: "/" });
    if (second.status !== 303 || second.headers.get("location") !== "/")
      throw new Error(`the code step for ${username} answered ${second.status}`);
  }
}

/** Every route of a Fastify app, from its printed route tree: [path, methods]. */
export function routesOf(tree: string): [string, string[]][] {
  const stack: string[] = [];
  const out: [string, string[]][] = [];
  for (const line of tree.split("\n")) {
    const m = /^([│├└─\s]*)(\S+) \(([A-Z, ]+)\)$/.exec(line);
    if (!m) continue;
    const depth = Math.round((m[1] ?? "").length / 4);
    const parent = depth === 0 ? "" : (stack[depth - 1] ?? "");
    const full = parent === "/" ? `/${m[2]}` : `${parent}${m[2]}`;
    stack[depth] = full;
    stack.length = depth + 1;
    out.push([full, (m[3] ?? "").split(", ").filter((x) => x !== "HEAD")]);
  }
  return out;
}

/** What a page says, as its reader sees it: tags dropped, entities read, spaces folded. */
export function pageText(html: string): string {
  return html
    .replace(/<[^>]+>/g, " ")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&")
    .replace(/\s+/g, " ");
}
