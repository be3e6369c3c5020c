/**
 * Where a client may send its token: the hub over HTTPS, or over plain HTTP only on this machine
 * (a hub run beside it for a trial, or behind a local TLS proxy). Anything else would send a
 * school's token, and pupils' files, in the clear.
 */
export function hubAddressProblem(address: string): string | undefined {
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    return `the hub's address ${JSON.stringify(address)} is not a web address: it starts with https://`;
  }
  if (url.protocol === "https:") return undefined;
  if (url.protocol === "http:" && isLoopback(url.hostname)) return undefined;
  if (url.protocol === "http:")
    return "the hub's address must start with https:// (plain http:// only for a hub on this machine, such as http://127.0.0.1:3000)";
  return "the hub's address starts with https://";
}

function isLoopback(hostname: string): boolean {
  return (
    hostname === "localhost" ||
    hostname === "[::1]" ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname)
  );
}
