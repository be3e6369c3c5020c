/**
 * An S3 protocol server (s3rver) in a process of its own, so that the benchmarks' clients do not
 * share its event loop. Prints its settings as the hub's environment (one JSON line), then serves
 * until killed.
 */
import { startTestS3 } from "../../test/helpers/s3.js";

const s3 = await startTestS3("s2s-bench");
process.stdout.write(`${JSON.stringify(s3.env)}\n`);
process.on("SIGTERM", () => {
  void s3.stop().then(() => process.exit(0));
});
