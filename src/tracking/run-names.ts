/** Readable default run names ("brisk-heron-417"), as MLflow users are used to seeing. */
import { randomInt } from "node:crypto";

const ADJECTIVES = (
  "amber bold brisk calm clever crisp daring eager fair gentle glad grand keen lively lucid " +
  "merry nimble noble quiet rapid sharp shy silent steady sunny swift tidy vivid warm wise"
).split(" ");
const NOUNS = (
  "badger bison crane dingo eagle falcon finch fox gecko heron ibis jay koala lark lemur " +
  "lynx mole newt otter owl panda quail raven robin seal stoat swan tern vole wren"
).split(" ");

/** A name for a run started without one. Names are for people; the run id is the identity. */
export function generateRunName(): string {
  return `${ADJECTIVES[randomInt(ADJECTIVES.length)]}-${NOUNS[randomInt(NOUNS.length)]}-${randomInt(1000)}`;
}
