// Finding a file sent twice (same bytes, same sender, same destination) by an index, and the
// answers kept for the API's Idempotency-Key so that a retried request gets the same answer.
export default `
create index if not exists transfers_same_file on transfers (sha256, source_laestab, dest_laestab);

create table if not exists idempotency_keys (
  user_id uuid not null references users (id),
  key text not null,
  -- method and path (and a body hash where the route has one): the same key on another request is a mistake
  request text not null,
  status integer,
  body jsonb,
  created_at timestamptz not null default now(),
  primary key (user_id, key)
);
create index if not exists idempotency_keys_created on idempotency_keys (created_at);
`;
