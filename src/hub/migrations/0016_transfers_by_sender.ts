// Each upload counts its sender's files still being checked and bytes sent in the last hour
// (upload.ts): an index by sender keeps that from reading every transfer.
export default `
create index if not exists transfers_sender on transfers (sender_user_id, created_at);
`;
