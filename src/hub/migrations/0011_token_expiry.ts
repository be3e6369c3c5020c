// An API token may be given an expiry by the user who makes it.
export default `
alter table api_tokens add column if not exists expires_at timestamptz;
`;
