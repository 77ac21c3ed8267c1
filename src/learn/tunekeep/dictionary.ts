/**
 * The text of docs/data-dictionary.md, shipped with the code so `sextant datasets tunekeep` can
 * write it next to the CSV (docs/ is not part of the package). A test checks the two are equal:
 * after editing the doc, paste it here (escaping backticks and "${").
 */
export const DATA_DICTIONARY = `# TuneKeep data dictionary

TuneKeep is a synthetic dataset for the churn-prediction walkthrough: monthly snapshots of the
subscribers of a made-up music-streaming service. Each row is one user who is still a customer on
the first day of a month, described by what they did in the weeks before. The label says whether
that user cancels before the next snapshot. The data is generated, not collected: no real person is
in it, and the same seed always gives the same bytes.

\`\`\`sh
sextant datasets tunekeep --users 50000 --months 18 --seed 42 --out data/
# writes data/tunekeep.csv and data/data-dictionary.md (this page)
\`\`\`

\`\`\`ts
import { generateTuneKeep } from "./src/learn/tunekeep/index.js"; // in this repository
const table = generateTuneKeep({ users: 50_000, months: 18, seed: 42 }); // a Table
\`\`\`

The default dataset (50,000 users, 18 months, seed 42) has 304,228 rows and 27 columns, snapshots
from 2024-01-01 to 2025-06-01, and a churn rate of 12.5%. Generating it takes about a second; the
CSV is 28 MB.

## Grain, time and label

- One row per user per month while the user is a customer. A user who churns has no later rows.
  About a third of the users are there at the first snapshot; the rest join over the following
  months, so every month has new users, some of them only days old.
- \`snapshot_date\` is the time column. Split on it (train on earlier months, test on later ones):
  a random split mixes months and overstates quality (see the numbers below). \`Table.timestamps\`
  turns it into epoch milliseconds.
- \`churned\` looks one month ahead: 1 when the user cancels before the next snapshot. The rows of
  the last month are labelled too.
- Features describe the 30 days before the snapshot unless the table says otherwise. Nothing in a
  row is computed from the future.

## Columns

Ranges are those of the default dataset. "Missing" is an empty CSV cell (NaN in a Table).

| column | type | range | meaning |
|---|---|---|---|
| \`user_id\` | integer | 1 – 50,000 | Stable id of the user. An identifier, not a feature. Ids are given in order of signing up. |
| \`snapshot_date\` | date (ISO text, a category in a Table) | 2024-01-01 – 2025-06-01 | First day of the month the row describes. |
| \`segment\` | category | \`casual\`, \`free\`, \`power\` | \`free\`: the ad-supported tier. \`casual\` and \`power\`: paying users, told apart by how much they listen. Fixed per user. |
| \`tenure_days\` | integer, days | 1 – 3,417 | Days since the user signed up. Below 7 the user is a cold start (see below). |
| \`days_since_listen\` | integer, days | 0 – 90 | Days since the last listening session; 0 means today. Capped at 90, and never more than \`tenure_days\` (a user who has not listened since signing up shows their tenure). |
| \`hours_last_month\` | number, hours | 0 – 160 | Hours listened in the last 30 days (one decimal). |
| \`hours_prev_month\` | number, hours, may be missing | 0 – 160 | \`hours_last_month\` of the previous snapshot. Missing on the first snapshot after a user signs up (11% of rows). |
| \`active_days_last_month\` | integer, days | 0 – 30 | Days with any listening in the last 30 days. |
| \`sessions_last_week\` | integer | 0 – 31 | Listening sessions in the last 7 days. |
| \`playlist_adds\` | integer | 0 – 285 | Tracks added to playlists in the last 30 days. |
| \`liked_tracks\` | integer | 0 – 177 | Tracks liked in the last 30 days. |
| \`skips_per_hour\` | number, may be missing | 0.6 – 80 | Skipped tracks per listening hour. Missing when the user did not listen. |
| \`discovery_ratio\` | number, share, may be missing | 0 – 1 | Share of plays from artists new to the user. Missing when the user did not listen. |
| \`podcast_share\` | number, share, may be missing | 0 – 1 | Share of listening time spent on podcasts. Missing when the user did not listen. |
| \`search_count\` | integer | 0 – 93 | Searches in the last 30 days. |
| \`shared_playlists\` | integer | 0 – 74 | Playlists the user has shared since signing up. |
| \`social_follows\` | integer | 0 – 364 | Friends and artists the user follows. |
| \`offline_downloads\` | integer | 0 – 3,317 | Tracks downloaded for offline play in the last 30 days; always 0 on the free tier (a paid feature). |
| \`device_count\` | integer | 0 – 5 | Distinct devices used in the last 30 days. |
| \`app_crashes\` | integer | 0 – 26 | App crashes reported in the last 30 days. |
| \`support_tickets\` | integer | 0 – 7 | Support tickets opened in the last 90 days. |
| \`payment_failures\` | integer | 0 – 8 | Failed charges in the last 60 days; always 0 on the free tier. |
| \`plan_price\` | number, USD per month | 0 – 17.99 | Price of the user's plan: 0 free, 5.99 student, 10.99 individual, 16.99 family; individual and family cost 1.00 more from the product change on. |
| \`discount_active\` | 0/1 | 0 – 1 | 1 while a promotional price runs (the first 90 days of users who joined through an offer). |
| \`days_to_renewal\` | integer, days, may be missing | 1 – 365 | Days to the next billing date: up to 30 on monthly plans, up to 365 on annual ones. Missing on the free tier. |
| \`ads_per_hour\` | number, may be missing | 0 – 10.7 | Ads heard per listening hour: 0 for paying users; missing for free users who did not listen. |
| \`churned\` | 0/1 | 0 – 1 | The label: 1 when the user cancels before the next snapshot. |

## What drives churn

The simulation keeps hidden state per user (taste, how engaged they are, whether they are drifting
away, payment trouble, app version) and draws the observed columns from it each month. Churn comes
from several mechanisms at once:

- **Drifting away.** Users sometimes start to disengage; listening thins out and then stops, so
  \`days_since_listen\` climbs and hours, sessions and playlist activity fall. Most churners go this
  way, but not all of them pass the 14-day mark before they leave, and not everyone who stops
  listening leaves. Heavy listeners and users who add to playlists are less likely to go.
- **Annual plans hold.** An annual subscriber who has stopped listening usually stays until the
  plan comes up for renewal (\`days_to_renewal\` ≤ 31), then leaves. Monthly plans can end any month.
  Inactivity therefore means different things depending on \`days_to_renewal\`: an interaction a
  linear model cannot draw.
- **Failed payments.** A card that keeps failing ends many subscriptions whatever the listening.
- **A bad experience.** Several support tickets; a sharp drop in hours from the month before; and,
  before the product change, many skips together with little discovery (the recommendations are
  not working for that user).
- **Background.** New users, users whose promotional price just ended, and the price rise add
  risk; shared playlists, follows and an active discount lower it. Some churn has no visible cause
  at all: little for power users, much more for the free tier.

## Drift: the product change (month 10) and the rival (month 14)

The data is not stationary. Two events change how the features relate to churn:

- **Month 10 (2024-10-01), product change.** A redesigned app rolls out to 35%, 70%, then all users
  over three months. Its smart shuffle skips tracks on the user's behalf, so \`skips_per_hour\` rises
  by about 5 for everyone on the new app and stops signalling frustration; instead the new app
  crashes on older devices, and users with several crashes leave. Individual and family plans cost
  1.00 more, and the free tier plays more ads per hour.
- **Month 14 (2025-02-01), a rival launches** with podcast exclusives and a cheaper plan. Paying
  podcast listeners start to leave while still listening, so inactivity rules miss them; the pull
  grows every month and reaches lighter podcast listeners. With an alternative at hand, drifting
  users also leave sooner (after fewer silent days), and fewer new users join.

A model trained on months 1–12 has seen three months of the redesign, two of them mid-rollout, and
never the rival, so its quality falls month by month from month 14 unless it is retrained.

Measured on the default dataset (churn rate among the rows described):

| rows | before | after |
|---|---|---|
| many skips (> 12 per hour) and little discovery (< 0.2) | 75.6% (months 1–9) | 16.9% (months 13–18) |
| 4 or more app crashes | 3.7% of 82 rows (months 1–9) | 61.5% of 3,011 rows (months 13–18) |
| paying users with \`podcast_share\` ≥ 0.4 | 8.2% (months 1–13) | 34.1% (months 16–18) |
| 7–13 days without listening | 40.3% (months 1–12) | 58.7% (months 16–18) |
| the rule \`days_since_listen\` ≥ 14 (its precision) | 70.3% (months 1–12) | 62.4% (months 13–18) |

## Segments

| segment | users at the start | share of rows | churn rate | what it is like |
|---|---|---|---|---|
| \`power\` | 22% (14% of joiners) | 25% | 6.6% | Heavy listeners on paid plans. Churn follows visible causes closely. |
| \`casual\` | 43% (40% of joiners) | 45% | 11.3% | Lighter paying listeners, the most price-sensitive and the rival's main target. |
| \`free\` | 35% (46% of joiners) | 31% | 19.1% | Ad-supported. Churns most, and much of it has no visible cause. |

Power users are the easiest to predict and, until the rival arrives, the free tier the hardest
(AUC below).

## Cold starts and missing values

Users with fewer than 7 days of history (6,603 rows, 2.2%) have had little time to show anything:
hours and activity are small because the window is short, \`hours_prev_month\` is missing, and
\`skips_per_hour\`, \`discovery_ratio\`, \`podcast_share\` and \`ads_per_hour\` are missing when they have
not listened yet. Whether they stay is decided mostly by things the data does not show, so models
do no better than chance on them (AUC about 0.5). Report them separately rather than letting them
dilute, or flatter, an average.

Missing values are never zeros in disguise: a CSV cell is empty exactly when the value is unknown
or undefined (the table above says when).

## Calibration: what the baselines score

Measured with scikit-learn 1.2 by \`src/learn/tunekeep/calibration.py\` on the default dataset.
Months are numbered 1–18 from 2024-01. The rule and the logistic regressions are scored on months
13–15; the logistic regressions are fitted on months 1–11 and take the probability threshold that
maximises F1 on month 12. Gradient boosting (HistGradientBoostingClassifier on the 23 features plus
\`segment\`) is tuned over a small grid on months 1–10 against months 11–12, takes its threshold
there, and is refitted on months 1–12.

Baselines on the temporal holdout, months 13–15 (49,694 rows):

| model | precision | recall | F1 | AUC |
|---|---|---|---|---|
| rule: \`days_since_listen\` ≥ 14 (on months 1–12: precision 0.703, recall 0.382, F1 0.495) | 0.640 | 0.318 | 0.425 | – |
| logistic regression, 3 features (\`days_since_listen\`, \`hours_last_month\`, \`playlist_adds\`) | 0.624 | 0.548 | 0.583 | 0.770 |
| the same at the default threshold 0.5 | 0.519 | 0.115 | 0.188 | – |
| logistic regression, all features | 0.580 | 0.650 | 0.613 | 0.887 |
| gradient boosting, tuned (learning rate 0.05, 400 trees of 15 leaves) | 0.724 | 0.762 | **0.742** | 0.944 |

Gradient boosting beats the linear model because the signal is in thresholds and interactions
(inactivity matters near a renewal, payments and crashes act regardless of listening), and the
linear model beats the rule because it weighs how long and how much, not one cut-off.

Quality month by month (F1) of the gradient-boosting model trained on months 1–12 and never
retrained, next to one retrained every month on all earlier months:

| month | 12 | 13 | 14 | 15 | 16 | 17 | 18 |
|---|---|---|---|---|---|---|---|
| trained on 1–12, not retrained | 0.748 | 0.751 | 0.748 | 0.727 | 0.694 | 0.676 | 0.626 |
| AUC of that model | 0.965 | 0.965 | 0.942 | 0.925 | 0.909 | 0.882 | 0.854 |
| retrained monthly | – | 0.751 | 0.768 | 0.743 | 0.719 | 0.714 | 0.687 |

Without retraining the model loses 2 to 5 points of F1 a month once the rival is in the market;
retraining wins back part of it. A model trained on months 1–9, before the product change, drops
from 0.655 in month 10 to 0.50 in month 12 and 0.47 in month 18.

A random split hides all of this: the same model on a random 70/15/15 split of all 18 months
scores F1 0.767 (AUC 0.964), against 0.742 (AUC 0.944) on the later months it would really face.

Per segment (AUC, and F1 at the global threshold):

| segment | AUC month 12 | AUC months 13–15 | F1 month 12 | F1 months 13–15 |
|---|---|---|---|---|
| \`power\` | 0.983 | 0.960 | 0.783 | 0.741 |
| \`casual\` | 0.967 | 0.928 | 0.714 | 0.712 |
| \`free\` | 0.939 | 0.939 | 0.759 | 0.776 |

By AUC power users are the most predictable and the free tier the least; casual users lose the
most once the rival launches. F1 also depends on the base rate, which is three times higher on the
free tier, so compare segments by AUC. Cold starts (fewer than 7 days of history): AUC 0.529 on
months 13–15, against 0.946 for everyone else.

## Reproducing the numbers

\`\`\`sh
sextant datasets tunekeep --out /tmp/tk
/usr/bin/python3 src/learn/tunekeep/calibration.py /tmp/tk/tunekeep.csv   # several minutes on 2 cores
\`\`\`

The generator's tests pin the SHA-256 of the default CSV and the cheap facts quoted here (row
counts, churn rates, the rule, the drift table); a change to the generator that moves them must
re-run the script and update this page.
`;
