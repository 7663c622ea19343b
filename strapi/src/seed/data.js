'use strict';

// Deterministic seed data (no Math.random): every run of the seed on a fresh
// database produces the same clients, campaigns, users and responses, except the
// few rows placed relative to the time of seeding (see relativeRows).

/** mulberry32: a tiny seeded PRNG returning floats in [0, 1). */
function prng(seed) {
  let a = seed >>> 0;
  return function next() {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CLIENTS = [
  { key: 'A', name: 'Acme Corp' },
  { key: 'B', name: 'Globex, Inc.' },
  { key: 'C', name: 'Initech «東京» 🚀' },
];

// The first campaign of client A receives the date-boundary rows.
const CAMPAIGNS = [
  { key: 'A1', client: 'A', name: 'Acme Spring Onboarding' },
  { key: 'A2', client: 'A', name: 'Acme "VIP" Partners, 2026' },
  { key: 'A3', client: 'A', name: 'Acme Retail, EMEA' },
  { key: 'B1', client: 'B', name: 'Globex Welcome' },
  { key: 'B2', client: 'B', name: "Globex \"Hammock\" District, Cypress Creek" },
  { key: 'C1', client: 'C', name: 'Initech 東京 Launch 🚀' },
  { key: 'C2', client: 'C', name: 'Initech TPS, "Reports"' },
];

const PASSWORD = 'Passw0rd!';

// role: users-permissions role type; client: client key or null.
const USERS = [
  { email: 'admin@onboarding.test', role: 'admin', client: null },
  { email: 'client-a@onboarding.test', role: 'client', client: 'A' },
  { email: 'client-b@onboarding.test', role: 'client', client: 'B' },
  { email: 'blocked@onboarding.test', role: 'client', client: 'A', blocked: true },
  { email: 'unconfirmed@onboarding.test', role: 'client', client: 'A', confirmed: false },
  { email: 'other@onboarding.test', role: 'authenticated', client: null },
  { email: 'orphan@onboarding.test', role: 'client', client: null },
  // A second account of client A: one customer's accounts share its per-client limit.
  { email: 'client-a2@onboarding.test', role: 'client', client: 'A' },
  // Users of the storm benchmark (bench/): a second account of client B, and a user of client C.
  { email: 'client-b2@onboarding.test', role: 'client', client: 'B' },
  { email: 'client-c@onboarding.test', role: 'client', client: 'C' },
];

const SPAN_START = Date.parse('2025-12-01T00:00:00.000Z');
const SPAN_END = Date.parse('2026-11-20T23:59:59.999Z');

const BASE_RESPONSES = 400;

const FIRST_NAMES = [
  'Alice', 'Bob', 'Chloé', 'Dmitri', 'Émile', 'Fatima', 'Grace', 'Hiro',
  'Ingrid', 'José', 'Keiko', 'Lars', 'Mariam', 'Noah', 'Olga', 'Priya',
];
const LAST_NAMES = [
  'Smith', "O'Brien", 'Müller', 'Nakamura', 'Haddad', 'Ivanova', 'García', 'Ng',
];
const AWKWARD_NAMES = [
  'Smith, John',
  'Jane "JJ" Doe',
  '山田 太郎',
  'محمد الأحمد',
  'Анна Петрова',
  'Zoë 🚀 Launch',
  '=HYPERLINK("http://evil.test","click")',
  '+1 Caller',
  '-Minus Person',
  '@handle',
  'Line\r\nBreak',
  '  padded  ',
];
const AWKWARD_TEXT = [
  'plain text',
  'comma, separated, values',
  'She said "hello"',
  'multi\nline\nanswer',
  'windows\r\nline\r\nbreaks',
  'trailing newline\n',
  '日本語の回答です',
  'إجابة باللغة العربية',
  'Ответ на русском языке',
  'emoji 🎉👍🏽 party',
  '=SUM(A1:A9)',
  '=1+1',
  '+33 6 12 34 56 78',
  '-10% discount',
  '@mention someone',
  '\ttab-led',
  '',
  '"', 
  'a "quoted, comma" cell\nand a newline',
  ' =1+1',
  '\n@SUM(1)',
  '＝1+1',
  '  ＋cmd',
  '-12.5',
];
const INDUSTRIES = ['software', 'retail', 'finance', 'health', 'education', 'manufacturing'];
const SIZES = ['1-10', '11-50', '51-200', '201-1000', '1000+'];
const GOALS = ['a', 'b', 'grow revenue', 'reduce churn', 'automate', '効率化', 'expand, globally'];
const CHANNELS = ['email', 'phone', 'sms', 'slack'];
const PROGRESS = ['completed', 'completed', 'completed', 'in_progress', 'in_progress', 'not_started'];

function pick(rnd, arr) {
  return arr[Math.floor(rnd() * arr.length)];
}

function respondentName(rnd, i) {
  if (i % 9 === 0) return AWKWARD_NAMES[(i / 9) % AWKWARD_NAMES.length];
  if (i % 37 === 5) return null;
  return `${pick(rnd, FIRST_NAMES)} ${pick(rnd, LAST_NAMES)}`;
}

function respondentEmail(i) {
  if (i % 41 === 7) return null;
  return `respondent-${i}@example.test`;
}

/**
 * Answers with keys that vary between responses (so a CSV header is a union).
 * Every awkward value kind appears in the first few hundred rows.
 */
function answers(rnd, i) {
  if (i % 23 === 3) return {};
  if (i % 29 === 4) return null;
  const a = {};
  if (rnd() < 0.8) {
    a.company = { name: pick(rnd, AWKWARD_TEXT.concat(['Acme', 'Globex', 'Initech'])), size: pick(rnd, SIZES) };
    if (rnd() < 0.5) a.company.industry = pick(rnd, INDUSTRIES);
    if (rnd() < 0.2) a.company.address = { city: pick(rnd, ['Paris', '東京', 'القاهرة', 'Москва']), zip: null };
  }
  if (rnd() < 0.7) {
    const n = Math.floor(rnd() * 3);
    a.goals = i % 5 === 0 ? ['a', 'b'] : Array.from({ length: n }, () => pick(rnd, GOALS));
  }
  if (rnd() < 0.5) a.teamSize = Math.floor(rnd() * 500);
  if (rnd() < 0.3) a.budget = Math.round(rnd() * 1e6) / 100;
  if (rnd() < 0.5) a.newsletter = rnd() < 0.5;
  if (rnd() < 0.6) a.comments = AWKWARD_TEXT[i % AWKWARD_TEXT.length];
  if (rnd() < 0.3) a.referral = null;
  if (rnd() < 0.3) {
    a.contacts = [
      { name: pick(rnd, FIRST_NAMES), channel: pick(rnd, CHANNELS) },
      { name: pick(rnd, AWKWARD_NAMES), channel: pick(rnd, CHANNELS), primary: rnd() < 0.5 },
    ];
  }
  if (rnd() < 0.2) a.nps = Math.floor(rnd() * 11);
  if (rnd() < 0.15) a.formula = pick(rnd, ['=1+2', '+1', '-1', '@SUM(1)', ' -2', '＠x']);
  if (rnd() < 0.1) a.matrix = [[1, 2], [3, null]];
  if (rnd() < 0.1) a['key with spaces, and "quotes"'] = 'odd key';
  if (rnd() < 0.1) a['日本語キー'] = 'はい';
  return a;
}

/**
 * Generator of response rows: {campaign: campaignKey, respondentName,
 * respondentEmail, progress, submittedAt (ms), answers}.
 * seed and offset keep the big benchmark set deterministic and distinct.
 */
function* responses(count, { seed = 20251201, offset = 0 } = {}) {
  const rnd = prng(seed);
  const span = SPAN_END - SPAN_START;
  for (let k = 0; k < count; k += 1) {
    const i = offset + k;
    yield {
      campaign: CAMPAIGNS[i % CAMPAIGNS.length].key,
      respondentName: respondentName(rnd, i),
      respondentEmail: respondentEmail(i),
      progress: PROGRESS[Math.floor(rnd() * PROGRESS.length)],
      submittedAt: SPAN_START + Math.floor(rnd() * span),
      answers: answers(rnd, i),
    };
  }
}

/** Rows with exact instants on the first campaign of client A. */
function boundaryRows() {
  return [
    '2025-12-31T23:59:59.999Z',
    '2026-01-01T00:00:00.000Z',
    '2026-01-31T23:59:59.999Z',
    '2026-02-01T00:00:00.000Z',
  ].map((iso, k) => ({
    campaign: 'A1',
    respondentName: `Boundary ${iso}`,
    respondentEmail: `boundary-${k}@example.test`,
    progress: 'completed',
    submittedAt: Date.parse(iso),
    answers: { boundary: iso, company: { name: 'Acme', size: '11-50' }, goals: ['a', 'b'], balance: -12.5 },
  }));
}

/** Rows relative to the time of seeding, for date presets (today, last_7_days...). */
function relativeRows(now) {
  const H = 3600 * 1000;
  const D = 24 * H;
  const offsets = [
    ['now-1h', H],
    ['now-3d', 3 * D],
    ['now-20d', 20 * D],
    ['now-45d', 45 * D],
    ['now-100d', 100 * D],
  ];
  const rows = [];
  for (const campaign of ['A1', 'B1']) {
    for (const [label, delta] of offsets) {
      rows.push({
        campaign,
        respondentName: `Recent ${label} ${campaign}`,
        respondentEmail: `recent-${label.replace(/[^a-z0-9]/gi, '')}-${campaign.toLowerCase()}@example.test`,
        progress: 'completed',
        submittedAt: now - delta,
        answers: { relative: label, company: { name: 'Recent', size: '1-10' }, newsletter: true },
      });
    }
  }
  return rows;
}

module.exports = {
  prng,
  CLIENTS,
  CAMPAIGNS,
  USERS,
  PASSWORD,
  BASE_RESPONSES,
  SPAN_START,
  SPAN_END,
  responses,
  boundaryRows,
  relativeRows,
};
