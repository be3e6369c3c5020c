/**
 * The order test files start in. Vitest's own order (longest or largest first within a project)
 * puts projects one after another, so every browser journey started at once: four Chromiums and
 * four servers on two cores, each journey three times slower than alone, and the longest of
 * them set the whole run's length. Here the two longest journeys start first, beside the other
 * files, and each other journey follows a few files later.
 */
import { BaseSequencer, type TestSpecification } from "vitest/node";

const MAIN_FILES_BETWEEN_JOURNEYS = 3;

export default class Sequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const journeys = sorted.filter((f) => f.project.name === "browser");
    const rest = sorted.filter((f) => f.project.name !== "browser");
    const order = journeys.splice(0, 2);
    rest.forEach((file, i) => {
      order.push(file);
      if ((i + 1) % MAIN_FILES_BETWEEN_JOURNEYS === 0 && journeys.length > 0)
        order.push(journeys.shift() as TestSpecification);
    });
    return [...order, ...journeys];
  }
}
