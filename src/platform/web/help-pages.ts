/**
 * Help pages, open to anyone signed in or not (a person stuck at sign-in needs them most): an
 * index of topics, a page a topic, and what the CTF's codes mean, read from the same code sets
 * the checker uses, so the page and the checker cannot disagree. Each app writes its own topics
 * (`pages/help-<topic>.njk`); the index and the codes page are the shell's.
 */
import type { FastifyInstance } from "fastify";
import { CODE_SETS, type CodeSet, LEAVING_REASONS } from "../../ctf/code-sets.js";

export interface HelpTopic {
  /** Its address under /help/ and its template, `help-<slug>`. */
  slug: string;
  title: string;
  /** One line on the index: when to read it. */
  summary: string;
}

const CODES_TOPIC: HelpTopic = {
  slug: "codes",
  title: "What the codes in a CTF mean",
  summary:
    "Leaving reasons, ethnicity, languages, SEN and the other codes a record holds, in words.",
};

/** Every code set, with its codes in words: the leaving reasons first, as offices ask most. */
function codeSets() {
  const sets = Object.values(CODE_SETS) as CodeSet[];
  const first = sets.filter((s) => s.codes === LEAVING_REASONS);
  return [...first, ...sets.filter((s) => s.codes !== LEAVING_REASONS)].map((s) => ({
    name: s.name,
    source: s.source,
    codes: Object.entries(s.codes),
    // Still in files that schools send, so still worth saying what they meant.
    historic: Object.entries(s.historic ?? {}),
  }));
}

export function registerHelpPages(app: FastifyInstance, topics: readonly HelpTopic[]): void {
  const all = [...topics, CODES_TOPIC];
  app.get("/help", { schema: { hide: true } }, async (_request, reply) =>
    reply.page("help", { title: "Help", topics: all }),
  );
  for (const topic of all)
    app.get(`/help/${topic.slug}`, { schema: { hide: true } }, async (_request, reply) =>
      reply.page(`help-${topic.slug}`, {
        title: topic.title,
        backLink: "/help",
        topics: all,
        ...(topic === CODES_TOPIC ? { codeSets: codeSets() } : {}),
      }),
    );
}
