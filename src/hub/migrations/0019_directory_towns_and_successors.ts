// The directory learns each school's town (searched, and shown to tell two schools of one name
// apart) and, for a school that closed, the URN of the school that took it over, from GIAS's
// links extract: the school side offers the successor instead of a closed destination.
export default `
alter table establishments add column if not exists town text;
alter table establishments add column if not exists successor_urn text;
create index if not exists establishments_urn on establishments (urn);
`;
