// Fuzzy search of the Lost Pupils and out-of-sector registers: trigram similarity and soundex.
// Both extensions are "trusted" from PostgreSQL 13, so a database owner may create them.
export default `
create extension if not exists pg_trgm;
create extension if not exists fuzzystrmatch;
create index transfer_pupils_surname_trgm on transfer_pupils using gin (lower(surname) gin_trgm_ops);
create index transfer_pupils_dob on transfer_pupils (dob);
`;
