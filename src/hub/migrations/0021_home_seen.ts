// An LA's home counts what is new since its user last looked: when each user last saw it.
export default `
alter table users add column if not exists home_seen_at timestamptz;
`;
