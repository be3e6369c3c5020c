// A pupil of a checked file who may be a child in the Lost Pupils or out-of-sector register: one
// row per (register pupil, file pupil), for the LA of the school the pupil turned up at
// (seen_la) and the LA that keeps the register file (keeper_la). Reasons name no child.
export default `
create table if not exists register_matches (
  id uuid primary key default gen_random_uuid(),
  lost_transfer_id uuid not null references transfers (id),
  lost_position integer not null,
  transfer_id uuid not null references transfers (id),
  transfer_position integer not null,
  score integer not null,
  certainty text not null check (certainty in ('certain', 'probable', 'too-close')),
  reasons jsonb not null,
  status text not null default 'open' check (status in ('open', 'passed-on', 'dismissed')),
  seen_la text not null,
  keeper_la text not null,
  dismiss_reason text,
  decided_by uuid references users (id),
  decided_at timestamptz,
  created_at timestamptz not null default now(),
  unique (lost_transfer_id, lost_position, transfer_id, transfer_position)
);
create index if not exists register_matches_seen_la on register_matches (seen_la, created_at);
create index if not exists register_matches_keeper_la on register_matches (keeper_la, created_at);
`;
