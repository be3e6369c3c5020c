// The school's own URN, for the header and school history of every CTF it exports: taken from
// the hub's directory the first time an export needs it (or given at set-up), then kept.
export default `
alter table school add column if not exists urn text;
`;
