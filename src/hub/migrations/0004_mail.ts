// Mail waits here until delivered, so a mail server that is down loses nothing.
export default `
create table mail_outbox (
  id uuid primary key default gen_random_uuid(),
  recipients text[] not null,
  subject text not null,
  body text not null,
  created_at timestamptz not null default now(),
  attempts integer not null default 0,
  next_attempt_at timestamptz not null default now(),
  sent_at timestamptz,
  last_error text
);
create index mail_outbox_due on mail_outbox (next_attempt_at) where sent_at is null;
`;
