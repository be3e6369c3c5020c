// A file's page shows its whole history (checked, notified, viewed, downloaded, passed on...),
// read from the audit log by the file it is about.
export default `
create index if not exists audit_events_target on audit_events (target, at)
  where target is not null;
`;
