/**
 * Benchmarks: `npm run bench -- NAME [options]` prints one JSON object on stdout.
 * Progress goes to stderr.
 */
const BENCHES: Record<string, () => Promise<{ main(args: string[]): Promise<unknown> }>> = {
  ingest: () => import("./ingest.js"),
  search: () => import("./search.js"),
  history: () => import("./history.js"),
  "http-ingest": () => import("./http-ingest.js"),
  "http-latency": () => import("./http-latency.js"),
  ui: () => import("./ui.js"),
  tunekeep: () => import("./tunekeep.js"),
  learn: () => import("./learn.js"),
  hpo: () => import("./hpo.js"),
  bootstrap: () => import("./bootstrap.js"),
  team: () => import("./team.js"),
};

const [name, ...args] = process.argv.slice(2);
const load = name ? BENCHES[name] : undefined;
if (!load) {
  process.stderr.write(`usage: npm run bench -- <${Object.keys(BENCHES).join("|")}> [options]\n`);
  process.exitCode = 2;
} else {
  const mod = await load();
  const result = await mod.main(args);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
