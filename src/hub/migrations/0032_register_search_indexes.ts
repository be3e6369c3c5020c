// The LA's search at national scale uses indexes for each way in: a date of birth (already
// indexed, migration 0005), a UPN or former UPN, and a surname by its sound or its trigrams
// (migration 0005) within a range of dates. A search by former UPN walked the whole table.
export default `
create index if not exists transfer_pupils_former_upn on transfer_pupils (former_upn);
create index if not exists transfer_pupils_surname_soundex on transfer_pupils (soundex(surname));
`;
