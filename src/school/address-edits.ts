/**
 * A pupil's home address changed by hand (a family moves; an import brought an old one): kept as
 * the CTF's BS7666 address, every problem of the form said at once.
 */
import type { Address, Bs7666Address } from "../ctf/model.js";
import { invalidAll } from "../platform/errors.js";
import type { MisContext, MisPrincipal } from "./context.js";
import { changeRecord, trimmed } from "./record-edits.js";

export interface AddressInput {
  /** The flat or unit (BS7666 SAON). */
  flat?: string;
  /** The house number or name (PAON). */
  house?: string;
  street?: string;
  locality?: string;
  town?: string;
  county?: string;
  postcode?: string;
}

// The shapes of UK postcodes (the Royal Mail's A9 9AA to AA9A 9AA), with BFPO's "BF1".
const POSTCODE = /^([A-Z]{1,2}[0-9][0-9A-Z]?) ?([0-9][A-Z]{2})$/;

/** A postcode as the Royal Mail writes it (capitals, one space), or undefined if not one. */
export function postcodeOf(typed: string): string | undefined {
  const m = POSTCODE.exec(typed.trim().toUpperCase().replace(/\s+/g, " "));
  return m ? `${m[1]} ${m[2]}` : undefined;
}

/** The address as the CTF holds it, or every problem found with what was typed. */
function addressOf(input: AddressInput, before: Address | undefined): Address {
  const problems: { field: string; message: string }[] = [];
  const house = trimmed(input.house);
  const flat = trimmed(input.flat);
  const street = trimmed(input.street);
  const town = trimmed(input.town);
  const typedPostcode = trimmed(input.postcode);
  if (!house && !flat) problems.push({ field: "house", message: "Give the house number or name." });
  if (!street) problems.push({ field: "street", message: "Give the street." });
  if (!town) problems.push({ field: "town", message: "Give the town or city." });
  const postcode = typedPostcode ? postcodeOf(typedPostcode) : undefined;
  if (!typedPostcode) problems.push({ field: "postcode", message: "Give the postcode." });
  else if (!postcode)
    problems.push({
      field: "postcode",
      message: "Give the postcode as the Royal Mail writes it, such as SW1A 1AA.",
    });
  if (problems.length > 0) throw invalidAll(problems);
  const bs7666: Bs7666Address = {
    ...(flat ? { saon: flat } : {}),
    ...(house ? { paon: house } : {}),
    ...(street ? { street } : {}),
    ...(trimmed(input.locality) ? { locality: trimmed(input.locality) } : {}),
    ...(town ? { town } : {}),
  };
  // The property's reference and map position belong to the old address, unless it is the same
  // house at the same postcode (a spelling corrected).
  const sameHouse = before?.postCode === postcode && (before?.bs7666?.paon ?? "") === (house ?? "");
  const uprn = sameHouse ? before?.bs7666?.uprn : undefined;
  const county = trimmed(input.county);
  return {
    ...(before?.addressAsPupil ? { addressAsPupil: before.addressAsPupil } : {}),
    bs7666: { ...bs7666, ...(uprn ? { uprn } : {}) },
    ...(county ? { county } : {}),
    ...(postcode ? { postCode: postcode } : {}),
    ...(sameHouse && before?.easting ? { easting: before.easting } : {}),
    ...(sameHouse && before?.northing ? { northing: before.northing } : {}),
  };
}

export function saveAddress(
  ctx: MisContext,
  actor: MisPrincipal,
  pupilId: string,
  input: AddressInput,
): Promise<void> {
  return changeRecord(ctx, actor, pupilId, "address", (record) => ({
    ...record,
    address: addressOf(input, record.address),
  }));
}

/** An address as the form's fields: a BS7666 one as it is, lines as best they go. */
export function addressFields(a: Address | undefined): AddressInput {
  if (!a) return {};
  const b = a.bs7666;
  if (b)
    return {
      flat: b.saon,
      house: b.paon,
      street: b.street,
      locality: b.locality,
      town: b.town ?? b.postTown,
      county: a.county,
      postcode: a.postCode,
    };
  const l = a.lines ?? {};
  return {
    street: l.line1,
    locality: l.line2,
    town: l.line3,
    county: a.county,
    postcode: a.postCode,
  };
}
