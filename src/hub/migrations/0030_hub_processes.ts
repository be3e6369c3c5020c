// Every running hub process says it is alive every few seconds. An idempotency claim names the
// process that holds it: when that process stops saying so (killed, its machine lost), a retry
// may take the claim at once rather than after the claim's long lease.
export default `
create table if not exists hub_processes (
  id uuid primary key,
  role text not null,
  started_at timestamptz not null,
  seen_at timestamptz not null
);
alter table idempotency_keys add column if not exists claimed_by uuid;
`;
