import { renderSVG } from "uqr";

/** An authenticator key as a QR code (inline SVG) and as text. */
export function keyView(key: { secret: string; uri: string }) {
  return { secret: key.secret, qr: renderSVG(key.uri, { border: 2 }) };
}
