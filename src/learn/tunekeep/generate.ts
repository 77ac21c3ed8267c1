/**
 * TuneKeep: synthetic monthly snapshots of a music-streaming service's subscribers, made for the
 * churn-prediction walkthrough. One row per active user per month; `churned` says whether the user
 * leaves before the next snapshot. A user who churns has no later rows; new users join every
 * month. docs/data-dictionary.md describes every column and the structure built in.
 *
 * The simulation keeps per-user latent state in typed arrays (taste, engagement, a "fading"
 * process, payment trouble, app version) and writes observed features from it each month. Churn is
 * drawn from a hazard built of several mechanisms, some of which change at the product change and
 * the competitor launch, plus hidden noise that is larger for the free tier.
 */
import { binomialInversion, Rng, SextantError } from "../../core/index.js";
import { type Column, NumberBuilder, Table } from "../data/index.js";
import { bernoulli, clamp, geometric, logNormal, poisson, round1, round3, sigmoid } from "./sampling.js";

/** The 23 behavioural features, in column order. */
export const TUNEKEEP_FEATURES = [
  "tenure_days",
  "days_since_listen",
  "hours_last_month",
  "hours_prev_month",
  "active_days_last_month",
  "sessions_last_week",
  "playlist_adds",
  "liked_tracks",
  "skips_per_hour",
  "discovery_ratio",
  "podcast_share",
  "search_count",
  "shared_playlists",
  "social_follows",
  "offline_downloads",
  "device_count",
  "app_crashes",
  "support_tickets",
  "payment_failures",
  "plan_price",
  "discount_active",
  "days_to_renewal",
  "ads_per_hour",
] as const;

export type TuneKeepFeature = (typeof TUNEKEEP_FEATURES)[number];

/** Every column, in order: ids and time, the segment, the features, the label. */
export const TUNEKEEP_COLUMNS = [
  "user_id",
  "snapshot_date",
  "segment",
  ...TUNEKEEP_FEATURES,
  "churned",
] as const;

export const TUNEKEEP_LABEL = "churned";
export const TUNEKEEP_TIME = "snapshot_date";
/** Segment dictionary (sorted, so the codes are casual 0, free 1, power 2). */
export const TUNEKEEP_SEGMENTS = ["casual", "free", "power"] as const;

export interface TuneKeepOptions {
  /** Distinct users over the whole period, ids 1..users (default 50,000). */
  users?: number;
  /** Monthly snapshots (default 18). */
  months?: number;
  seed?: number;
  /** First snapshot date, YYYY-MM-01 (default 2024-01-01). */
  start?: string;
  /** 1-based month of the app redesign and price rise (default 10). */
  productChangeMonth?: number;
  /** 1-based month a rival service launches (default 14). */
  competitorMonth?: number;
  /** Called after each month with the rows written so far. */
  onProgress?: (month: number, months: number, rows: number) => void;
}

const POWER = 2;
const CASUAL = 0;
const FREE = 1;
const DAY_MS = 86_400_000;

/**
 * Behaviour and churn parameters, calibrated so that the baselines land where the walkthrough
 * expects them (docs/data-dictionary.md has the measured numbers). Arrays are indexed by segment
 * code: casual 0, free 1, power 2.
 */
const P = {
  /** Share of `users` already subscribed at the first snapshot. */
  initialShare: 0.36,
  segmentShares: { power: 0.22, casual: 0.43 },
  joinerSegmentShares: { power: 0.14, casual: 0.4 },
  /** Share of paying users on an annual plan. */
  annualShare: 0.24,
  /** Monthly chance that an engaged user starts to drift away, and that a drifting one recovers. */
  fadeStart: [0.07, 0.1, 0.03],
  fadeRecover: 0.22,
  /** Monthly chance that a paying user's card starts failing (for one or two months). */
  cardTrouble: 0.025,
  // ---- voluntary churn, on the logit scale
  base: [-2.2, -2.2, -2.8],
  /** Hidden per-row noise: what no feature explains (largest for the free tier). */
  noise: [0.3, 1.25, 0.15],
  /** Inactivity: dslAmp · sigmoid((days_since_listen − dslMid) / dslScale). */
  dslAmp: 6,
  dslMid: 8,
  dslScale: 1.5,
  /** Per log(1 + hours) and per log(1 + playlist adds). */
  lowHours: -1.2,
  adds: -0.5,
  /** Listening fell below 35% of the month before. */
  hoursDrop: 2.2,
  /** Annual-plan users outside the renewal month cannot leave yet: inactivity counts a fifth. */
  annualHold: -2.5,
  annualDslDamp: 0.2,
  renewalBump: 0.4,
  tickets3: 2,
  /** After the price rise, per segment, for individual and family plans. */
  priceSens: [0.5, 0, 0.2],
  social: -0.3,
  follows: -0.15,
  discount: -0.8,
  newUser: 0.3,
  /** Promotional price just ended (not visible in the features). */
  promoEnd: 0.3,
  /** Free tier, per ad per hour above 4. */
  ads: 0.2,
  // ---- mechanisms that act whatever the engagement: probabilities
  payFail1: 0.4,
  payFail2: 0.85,
  /** Before the redesign: many skips and little discovery. After it: the new app crashing. */
  skipDissat: 0.7,
  crashDissat: 0.6,
  /** The rival: pull = intensity · competitor · sigmoid((podcast_share − bar) / 0.04). */
  competitor: 0.5,
  competitorPower: 0.3,
  compStart: 0.3,
  compRamp: 0.2,
  compPodcast: 0.4,
  compPodcastDrift: 0.03,
  /** Each month after the launch, inactivity turns into churn this many days sooner. */
  compDslShift: 0.6,
  // ---- cold start (< 7 days of history): mostly hidden
  cold: -1.7,
  coldNoise: 1.6,
};

/**
 * Generates the TuneKeep snapshots. Deterministic for a seed.
 * @throws INVALID_ARGUMENT for non-integer or out-of-range sizes, or a bad start date
 * @example const t = generateTuneKeep({ users: 5000, months: 12, seed: 7 });
 */
export function generateTuneKeep(options: TuneKeepOptions = {}): Table {
  const users = options.users ?? 50_000;
  const months = options.months ?? 18;
  const seed = options.seed ?? 42;
  const start = options.start ?? "2024-01-01";
  const pcMonth = options.productChangeMonth ?? 10;
  const compMonth = options.competitorMonth ?? 14;
  checkInt("users", users, 1, 10_000_000);
  checkInt("months", months, 1, 240);
  checkInt("productChangeMonth", pcMonth, 1, 10_000);
  checkInt("competitorMonth", compMonth, 1, 10_000);
  if (!/^\d{4}-\d{2}-01$/.test(start) || Number.isNaN(Date.parse(start))) {
    throw new SextantError(
      "INVALID_ARGUMENT",
      `start must be the first of a month as YYYY-MM-01, got "${start}"`,
    );
  }
  const rng = new Rng(seed);

  // ---------------------------------------------------------------- calendar
  const [y0, mo0] = start.split("-").map(Number) as [number, number];
  const snapDay = new Int32Array(months);
  const dates: string[] = [];
  for (let m = 0; m < months; m++) {
    const ms = Date.UTC(y0, mo0 - 1 + m, 1);
    snapDay[m] = Math.round(ms / DAY_MS);
    dates.push(new Date(ms).toISOString().slice(0, 10));
  }

  // ---------------------------------------------------------------- who joins when
  const initial = months === 1 ? users : Math.max(1, Math.round(users * P.initialShare));
  const joinMonth = new Int32Array(users); // month index of the first snapshot
  const joinDay = new Int32Array(users);
  {
    const tenures = new Float64Array(initial);
    for (let i = 0; i < initial; i++) {
      tenures[i] =
        rng.random() < 0.12
          ? 1 + Math.floor(rng.random() * 60)
          : Math.min(2900, 30 + Math.floor(-420 * Math.log(1 - rng.random())));
    }
    tenures.sort().reverse();
    for (let i = 0; i < initial; i++) {
      joinMonth[i] = 0;
      joinDay[i] = snapDay[0]! - tenures[i]!;
    }
    const weights: number[] = [];
    for (let m = 1; m < months; m++) weights.push(m + 1 >= compMonth ? 0.8 : 1);
    const total = weights.reduce((a, b) => a + b, 0);
    let u = initial;
    let carried = 0;
    for (let m = 1; m < months; m++) {
      const exact = ((users - initial) * weights[m - 1]!) / total + carried;
      const count = m === months - 1 ? users - u : Math.round(exact);
      carried = exact - count;
      const days: number[] = [];
      for (let k = 0; k < count; k++) days.push(snapDay[m]! - 1 - Math.floor(rng.random() * 30));
      days.sort((a, b) => a - b);
      for (const d of days) {
        joinMonth[u] = m;
        joinDay[u] = d;
        u++;
      }
    }
  }

  // ---------------------------------------------------------------- latent traits
  const seg = new Uint8Array(users);
  const baseHours = new Float64Array(users);
  const hpd = new Float64Array(users);
  const skipBase = new Float64Array(users);
  const discTaste = new Float64Array(users);
  const podTaste = new Float64Array(users);
  const likeRate = new Float64Array(users);
  const addRate = new Float64Array(users);
  const socialRate = new Float64Array(users);
  const dlRate = new Float64Array(users);
  const devP = new Float64Array(users);
  const oldDevice = new Uint8Array(users);
  const annual = new Uint8Array(users);
  const plan = new Uint8Array(users); // 0 free, 1 student, 2 individual, 3 family
  const promo = new Uint8Array(users);
  const rollout = new Float64Array(users);
  const ticketRate = new Float64Array(users);
  for (let u = 0; u < users; u++) {
    const shares = joinMonth[u] === 0 ? P.segmentShares : P.joinerSegmentShares;
    const r = rng.random();
    const s = r < shares.power ? POWER : r < shares.power + shares.casual ? CASUAL : FREE;
    seg[u] = s;
    baseHours[u] =
      s === POWER
        ? logNormal(rng, Math.log(55), 0.35)
        : s === CASUAL
          ? logNormal(rng, Math.log(16), 0.45)
          : logNormal(rng, Math.log(7), 0.65);
    hpd[u] = (s === POWER ? 2 : s === CASUAL ? 1.1 : 0.8) * logNormal(rng, 0, 0.2);
    skipBase[u] = logNormal(rng, Math.log(s === POWER ? 4.5 : 6.5), 0.4);
    discTaste[u] = sigmoid(rng.normal(-1.1, 0.8));
    podTaste[u] = sigmoid(rng.normal(-2.1, 1.1));
    likeRate[u] = logNormal(rng, Math.log(0.35), 0.5);
    addRate[u] = logNormal(rng, Math.log(s === POWER ? 0.6 : 0.4), 0.5);
    socialRate[u] = logNormal(rng, Math.log(0.15), 0.9);
    dlRate[u] = s === FREE ? 0 : logNormal(rng, Math.log(s === POWER ? 3 : 1.5), 0.8);
    devP[u] = clamp(rng.normal(s === POWER ? 0.45 : 0.25, 0.12), 0.02, 0.9);
    oldDevice[u] = bernoulli(rng, 0.25) ? 1 : 0;
    annual[u] = s !== FREE && bernoulli(rng, P.annualShare) ? 1 : 0;
    plan[u] = s === FREE ? 0 : s === CASUAL ? (bernoulli(rng, 0.25) ? 1 : 2) : bernoulli(rng, 0.4) ? 3 : 2;
    promo[u] = s !== FREE && bernoulli(rng, 0.3) ? 1 : 0;
    rollout[u] = rng.random();
    ticketRate[u] = logNormal(rng, Math.log(0.05), 0.6);
  }

  // ---------------------------------------------------------------- dynamic state
  const status = new Uint8Array(users); // 0 not joined, 1 active, 2 churned
  const z = new Float64Array(users);
  const fade = new Float64Array(users);
  const cardTrouble = new Uint8Array(users);
  const failPrev = new Uint8Array(users);
  const tick1 = new Uint8Array(users);
  const tick2 = new Uint8Array(users);
  const shared = new Float64Array(users);
  const follows = new Float64Array(users);
  const prevHours = new Float64Array(users).fill(Number.NaN);

  /** One month of latent dynamics: engagement noise, drifting away or back, card trouble. */
  const evolve = (u: number): void => {
    z[u] = 0.7 * z[u]! + 0.25 * rng.normal();
    const f = fade[u]!;
    if (f === 0) {
      if (rng.random() < P.fadeStart[seg[u]!]!) fade[u] = 0.5 + rng.random();
    } else if (rng.random() < P.fadeRecover) fade[u] = 0;
    else fade[u] = f + 0.3 + 0.9 * rng.random();
    if (cardTrouble[u]! > 0) cardTrouble[u] = cardTrouble[u]! - 1;
    else if (seg[u] !== FREE && rng.random() < P.cardTrouble)
      cardTrouble[u] = 1 + (rng.random() < 0.4 ? 1 : 0);
  };

  // Warm the initial users' state up so month 1 already has fading users and history.
  for (let u = 0; u < initial; u++) {
    const tenureMonths = Math.floor((snapDay[0]! - joinDay[u]!) / 30);
    const burn = Math.min(6, tenureMonths);
    for (let k = 0; k < burn; k++) {
      evolve(u);
      if (fade[u]! > 2) fade[u] = 0; // such a user would have left; a like one takes the place
    }
    if (tenureMonths >= 1) {
      const engagement = baseHours[u]! * Math.exp(z[u]! - 1.3 * fade[u]!);
      const expected = 30 * hpd[u]! * (1 - Math.exp(-engagement / 30 / hpd[u]!));
      prevHours[u] = round1(expected * logNormal(rng, 0, 0.3));
    }
    shared[u] = poisson(rng, socialRate[u]! * Math.min(tenureMonths, 36) * 0.6);
    follows[u] = poisson(rng, socialRate[u]! * Math.min(tenureMonths, 36) * 3);
  }

  // ---------------------------------------------------------------- outputs
  const cols = new Map<string, NumberBuilder>();
  for (const name of ["user_id", ...TUNEKEEP_FEATURES, "churned"]) cols.set(name, new NumberBuilder());
  const snapCodes = new NumberBuilder();
  const segCodes = new NumberBuilder();
  const out = (name: string) => cols.get(name)!;
  const oUser = out("user_id");
  const oTenure = out("tenure_days");
  const oDsl = out("days_since_listen");
  const oHours = out("hours_last_month");
  const oPrev = out("hours_prev_month");
  const oActive = out("active_days_last_month");
  const oSessions = out("sessions_last_week");
  const oAdds = out("playlist_adds");
  const oLikes = out("liked_tracks");
  const oSkips = out("skips_per_hour");
  const oDisc = out("discovery_ratio");
  const oPod = out("podcast_share");
  const oSearch = out("search_count");
  const oShared = out("shared_playlists");
  const oFollows = out("social_follows");
  const oDl = out("offline_downloads");
  const oDev = out("device_count");
  const oCrash = out("app_crashes");
  const oTickets = out("support_tickets");
  const oFail = out("payment_failures");
  const oPrice = out("plan_price");
  const oDiscount = out("discount_active");
  const oRenew = out("days_to_renewal");
  const oAds = out("ads_per_hour");
  const oChurn = out("churned");

  let rows = 0;
  for (let m = 0; m < months; m++) {
    const month1 = m + 1;
    const afterPc = month1 >= pcMonth;
    const v5Share = afterPc ? Math.min(1, 0.35 * (month1 - pcMonth + 1)) : 0;
    const compIntensity =
      month1 >= compMonth ? Math.min(2, P.compStart + P.compRamp * (month1 - compMonth)) : 0;
    const today = snapDay[m]!;
    const sinceComp = month1 >= compMonth ? month1 - compMonth + 1 : 0;
    // with a rival one tap away, drifting users leave sooner, and its catalogue draws in more listeners
    const dslMid = P.dslMid - P.compDslShift * sinceComp;
    const podcastBar = P.compPodcast - P.compPodcastDrift * Math.max(0, sinceComp - 1);
    for (let u = 0; u < users; u++) {
      if (status[u] === 0) {
        if (joinMonth[u] !== m) continue;
        status[u] = 1;
      } else if (status[u] !== 1) continue;
      else evolve(u);
      const s = seg[u]!;
      const tenure = today - joinDay[u]!;
      const coldStart = tenure < 7;
      const window = Math.min(30, tenure);
      const v5 = rollout[u]! < v5Share;

      // listening: daily listening probability from engagement; fading users stop for a while
      const engagement = baseHours[u]! * Math.exp(z[u]! - 1.3 * fade[u]!) * (coldStart ? 0.7 : 1);
      const q = 1 - Math.exp(-engagement / 30 / hpd[u]!);
      const gap = fade[u]! > 0 ? Math.floor(fade[u]! * (3 + 7 * rng.random())) : 0;
      let dsl = gap + geometric(rng, q);
      dsl = Math.min(dsl, 90, tenure);
      const neverListened = dsl >= tenure && rng.random() < 0.5;
      // binomials by inversion for any p, not `binomial`: the pinned dataset is made of these draws
      const activeDays = dsl >= window || neverListened ? 0 : 1 + binomialInversion(window - dsl - 1, q, rng);
      const hours = activeDays === 0 ? 0 : round1(activeDays * hpd[u]! * logNormal(rng, 0, 0.25));
      const recentDays =
        dsl >= 7 || activeDays === 0 ? 0 : 1 + binomialInversion(Math.min(6, window - 1) - dsl, q, rng);
      const sessions =
        recentDays === 0 ? 0 : recentDays + poisson(rng, recentDays * (s === POWER ? 1.6 : 0.8));
      const listened = hours > 0;

      const adds = poisson(rng, hours * addRate[u]! * (0.6 + discTaste[u]!));
      const likes = poisson(rng, hours * likeRate[u]!);
      const skipsPerHour = listened
        ? round1(skipBase[u]! * (1 + 0.5 * fade[u]!) * logNormal(rng, 0, 0.3) + (v5 ? 5 : 0))
        : Number.NaN;
      const discovery = listened ? round3(clamp(discTaste[u]! + 0.08 * rng.normal(), 0, 1)) : Number.NaN;
      const podcast = listened ? round3(clamp(podTaste[u]! + 0.05 * rng.normal(), 0, 1)) : Number.NaN;
      const searches = poisson(rng, hours * 0.5 * (0.5 + discTaste[u]!));
      shared[u] = shared[u]! + poisson(rng, socialRate[u]! * 0.6 * (window / 30));
      follows[u] = follows[u]! + poisson(rng, socialRate[u]! * 3 * (window / 30));
      const downloads = s === FREE ? 0 : poisson(rng, hours * dlRate[u]!);
      const devices = listened ? 1 + binomialInversion(4, devP[u]!, rng) : 0;
      const crashRate = v5 && oldDevice[u] ? 0.18 : 0.012;
      const crashes = poisson(rng, hours * crashRate);
      const failsNow = cardTrouble[u]! > 0 ? 1 + poisson(rng, 0.6) : 0;
      const failures = failsNow + failPrev[u]!;
      const ticketsNow = poisson(rng, ticketRate[u]! + (crashes >= 4 ? 0.5 : 0) + (failsNow > 0 ? 0.6 : 0));
      const tickets = ticketsNow + tick1[u]! + tick2[u]!;
      const price = planPrice(plan[u]!, afterPc);
      const discountActive = promo[u] === 1 && tenure < 90 ? 1 : 0;
      const renewalPeriod = annual[u] ? 365 : 30;
      const daysToRenewal = s === FREE ? Number.NaN : renewalPeriod - (tenure % renewalPeriod);
      const ads = s === FREE ? (listened ? round1((afterPc ? 6.5 : 4) + 0.8 * rng.normal()) : Number.NaN) : 0;
      const prev = prevHours[u]!;

      // ------------------------------------------------------------ churn hazard
      let pChurn: number;
      if (coldStart) {
        pChurn = sigmoid(P.cold + P.coldNoise * rng.normal());
      } else {
        let logit = P.base[s]!;
        const inRenewal = daysToRenewal <= 31;
        const held = annual[u] === 1 && !inRenewal;
        const dslEffect = P.dslAmp * sigmoid((dsl - dslMid) / P.dslScale);
        logit += held ? P.annualDslDamp * dslEffect + P.annualHold : dslEffect;
        if (annual[u] === 1 && inRenewal) logit += P.renewalBump;
        logit += P.lowHours * Math.log1p(hours) + P.adds * Math.log1p(adds);
        if (prev > 4 && hours < 0.35 * prev) logit += P.hoursDrop;
        if (tickets >= 3) logit += P.tickets3;
        if (afterPc && (plan[u] === 2 || plan[u] === 3)) logit += P.priceSens[s]!;
        logit += P.social * Math.log1p(shared[u]!) + P.follows * Math.log1p(follows[u]! / 5);
        if (discountActive) logit += P.discount;
        if (tenure < 60) logit += P.newUser;
        if (promo[u] === 1 && tenure >= 90 && tenure < 150) logit += P.promoEnd;
        if (s === FREE && listened) logit += P.ads * (ads - 4);
        logit += P.noise[s]! * rng.normal();
        // mechanisms that act whatever the engagement: failed payments, a broken experience, the rival
        let stay = 1 - sigmoid(logit);
        if (failures >= 2) stay *= 1 - P.payFail2;
        else if (failures === 1) stay *= 1 - P.payFail1;
        if (!v5 && listened && skipsPerHour > 12 && discovery < 0.2) stay *= 1 - P.skipDissat;
        if (v5 && crashes >= 4) stay *= 1 - P.crashDissat;
        if (compIntensity > 0 && s !== FREE && listened) {
          const pull =
            compIntensity *
            P.competitor *
            (s === POWER ? P.competitorPower : 1) *
            sigmoid((podcast - podcastBar) / 0.04);
          stay *= 1 - Math.min(0.9, pull);
        }
        pChurn = 1 - stay;
      }
      const churn = rng.random() < pChurn ? 1 : 0;

      oUser.push(u + 1);
      snapCodes.push(m);
      segCodes.push(s);
      oTenure.push(tenure);
      oDsl.push(dsl);
      oHours.push(hours);
      oPrev.push(prev);
      oActive.push(activeDays);
      oSessions.push(sessions);
      oAdds.push(adds);
      oLikes.push(likes);
      oSkips.push(skipsPerHour);
      oDisc.push(discovery);
      oPod.push(podcast);
      oSearch.push(searches);
      oShared.push(shared[u]!);
      oFollows.push(follows[u]!);
      oDl.push(downloads);
      oDev.push(devices);
      oCrash.push(crashes);
      oTickets.push(tickets);
      oFail.push(failures);
      oPrice.push(price);
      oDiscount.push(discountActive);
      oRenew.push(daysToRenewal);
      oAds.push(ads);
      oChurn.push(churn);
      rows++;

      prevHours[u] = hours;
      failPrev[u] = failsNow;
      tick2[u] = tick1[u]!;
      tick1[u] = ticketsNow;
      if (churn) status[u] = 2;
    }
    options.onProgress?.(month1, months, rows);
  }

  const columns: [string, Column][] = [];
  for (const name of TUNEKEEP_COLUMNS) {
    if (name === "snapshot_date") {
      columns.push([
        name,
        { type: "category", codes: Int32Array.from(snapCodes.finish().values), dictionary: dates },
      ]);
    } else if (name === "segment") {
      columns.push([
        name,
        {
          type: "category",
          codes: Int32Array.from(segCodes.finish().values),
          dictionary: [...TUNEKEEP_SEGMENTS],
        },
      ]);
    } else columns.push([name, cols.get(name)!.finish()]);
  }
  return new Table(columns);
}

/** Monthly price in USD by plan; individual and family plans rise by 1.00 at the product change. */
function planPrice(plan: number, afterPc: boolean): number {
  switch (plan) {
    case 1:
      return 5.99;
    case 2:
      return afterPc ? 11.99 : 10.99;
    case 3:
      return afterPc ? 17.99 : 16.99;
    default:
      return 0;
  }
}

function checkInt(name: string, v: number, lo: number, hi: number): void {
  if (!Number.isSafeInteger(v) || v < lo || v > hi) {
    throw new SextantError(
      "INVALID_ARGUMENT",
      `${name} must be an integer in [${lo}, ${hi}], got ${String(v)}`,
      {
        [name]: v,
      },
    );
  }
}
