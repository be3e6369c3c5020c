// An administrator may give one user a shorter longest token life than the service's (null: the
// service's). Checked here too, so that no path can store a life the API would refuse.
export default `
alter table users add column if not exists token_max_days integer
  check (token_max_days between 1 and 3660);
`;
