// Files the store may hold with no transfer referring to them: written before their row commits,
// or let go by a row whose delete may not have happened. The orphan sweep reads this list, never
// the store's own (a bucket of millions of objects is not listed once a day).
export default `
create table if not exists files_in_flight (
  store_key text primary key,
  since timestamptz not null
);
create index if not exists files_in_flight_by_since on files_in_flight (since);
`;
