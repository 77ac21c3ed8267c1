// scratch experiment (not committed)
import { BENCH_FUNCTIONS } from "../src/hpo/samplers/testing/functions.js";
import { TpeSampler, type TpeSamplerOptions } from "../src/hpo/samplers/tpe/sampler.js";
import { createStudy } from "../src/hpo/study.js";
const [,, s0s, s1s, optsJson, fnsArg] = process.argv;
const s0 = Number(s0s), s1 = Number(s1s);
const opts = JSON.parse(optsJson ?? "{}") as TpeSamplerOptions;
const out: Record<string, number[]> = {};
for (const f of BENCH_FUNCTIONS) {
  if (fnsArg && !fnsArg.split(",").includes(f.name)) continue;
  const bests: number[] = [];
  for (let seed = s0; seed < s1; seed++) {
    const study = await createStudy({ sampler: new TpeSampler({ ...opts, seed }), heartbeatIntervalMs: 0, onWarning: () => undefined });
    await study.optimize(f.objective as never, { nTrials: 100 });
    bests.push(study.bestValue);
  }
  out[f.name] = bests;
}
console.log(JSON.stringify(out));
