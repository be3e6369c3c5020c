// An import's "accept" at the hub, as an outbox row written with the import's commit: the call is
// made after the commit, never inside it, and tried again until the hub answers. A file the hub
// will not let be accepted (removed there meanwhile) is noted as refused and not tried again.
export default `
create table if not exists hub_accepts (
  import_id uuid primary key references imports (id),
  transfer_id text not null,
  created_at timestamptz not null default now(),
  attempts integer not null default 0,
  next_attempt_at timestamptz not null default now(),
  accepted_at timestamptz,
  refused text,
  last_error text
);
create index if not exists hub_accepts_due on hub_accepts (next_attempt_at)
  where accepted_at is null and refused is null;
`;
