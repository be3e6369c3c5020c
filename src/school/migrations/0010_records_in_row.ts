// A pupil's record of a few kilobytes stays in its row rather than going out of line (TOAST):
// written and read whole, an out-of-line record costs a second table's rows and index entries
// for each write (an import writing 300 pupils spent a tenth of its writing there). Records over
// 4 KB, a long history, still go out of line. Rows already written move when next written.
export default `
alter table pupils set (toast_tuple_target = 4096);
`;
